import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from 'pino';
import { ApiKeyRing } from './api/api-keys.js';
import { createControlPlane } from './api/control-plane.js';
import { createVolumeContentApi, VOLUME_CONTENT_PREFIX } from './api/volume-content-api.js';
import { loadOrCreateDevApiKey } from './api/dev-api-key.js';
import type { RunnerConfig } from './config.js';
import { Gateway } from './gateway/gateway.js';
import { defaultSandboxDomain, defaultTlsSandboxDomain } from './gateway/sandbox-domain.js';
import { domainHostname } from './gateway/sandbox-host.js';
import { SignedFileUrls } from './gateway/signed-file-urls.js';
import { answerUpgrade, sendError, serveEdge, watchBodyIdle } from './http-edge.js';
import type { SandboxBackend } from './sandboxes/sandbox-backend.js';
import { SandboxManager } from './sandboxes/sandbox-manager.js';
import { SecretStore } from './secrets/secret-store.js';
import type { TemplateCatalog } from './templates/template-catalog.js';
import { certificateCoversSandboxHosts, loadTlsCredentials } from './tls-credentials.js';

export interface RunnerServerOptions {
  config: RunnerConfig;
  backend: SandboxBackend;
  templates: TemplateCatalog;
  logger: Logger;
  /** The tenants' secrets, shared with the backend's egress interception; absent: opened here from `config.dataDir`. */
  secrets?: SecretStore;
}

export interface CloseOptions {
  /** How long in-flight requests (e.g. running code) may take to finish before they are cut. */
  graceMs?: number;
}

/**
 * The runner: one HTTP port serving the E2B control plane and, for requests that name a
 * sandbox in `E2b-Sandbox-Id`, the gateway to that sandbox (so both E2B_API_URL and
 * E2B_SANDBOX_URL point here); optionally an HTTPS port serving the same (`RunnerConfig['tls']`). Signed `/files` URLs name no sandbox: they are matched to one by
 * their signature first (gateway/signed-file-urls.ts).
 */
export class RunnerServer {
  private constructor(
    readonly url: string,
    /** `https://…` of the TLS listener, when configured. */
    readonly tlsUrl: string | undefined,
    /** Sandbox host names are `<port>-<id>.<domain>` (reported at create as `domain`). */
    readonly domain: string,
    /** The generated development key, when the operator configured none. */
    readonly devApiKey: string | undefined,
    readonly manager: SandboxManager,
    private readonly servers: ReadonlyArray<Server | HttpsServer>,
    private readonly tls: { readonly server: HttpsServer; readonly certFile: string; readonly keyFile: string } | undefined,
    private readonly lifecycle: { closing: boolean },
    private readonly gateway: Gateway,
    private readonly backend: SandboxBackend,
    private readonly logger: Logger,
  ) {}

  static async start({ config, backend, templates, logger, secrets: givenSecrets }: RunnerServerOptions): Promise<RunnerServer> {
    // First: a missing or mismatched certificate stops the start before anything else happens.
    const credentials = config.tls ? await loadTlsCredentials(config.tls) : undefined;
    const devApiKey = config.apiKeys.length === 0 ? await loadOrCreateDevApiKey(config.dataDir) : undefined;
    const apiKeys = new ApiKeyRing(devApiKey ? [devApiKey] : config.apiKeys);

    const secrets = givenSecrets ?? (await SecretStore.open(config.dataDir));
    await backend.start();
    const manager = new SandboxManager({
      backend,
      templates,
      logger,
      limits: config.sandbox.limits,
      defaultTimeoutMs: config.sandbox.defaultTimeoutSeconds * 1000,
      maxTimeoutMs: config.sandbox.maxTimeoutSeconds * 1000,
      maxSandboxes: config.quotas.maxSandboxes,
      maxSandboxesPerTenant: config.quotas.maxSandboxesPerTenant,
      reconcileIntervalMs: config.reconcileIntervalSeconds * 1000,
      runtime: config.runtime,
      pool: config.pool,
    });
    await manager.start();

    // Known once the runner listens (the default names the port it got).
    let domain = config.domain ?? 'localhost';
    const gateway = new Gateway({ lookup: (id) => manager.lookup(id), logger, domain: () => domain });
    manager.onSandboxRemoved((record) => gateway.release(record));
    const signedFileUrls = new SignedFileUrls({
      candidates: (tenant) => (tenant === undefined ? manager.all() : manager.list(tenant)),
      tenantOf: (apiKey) => apiKeys.authenticate(apiKey),
      forward: (req, res) => gateway.handle(req, res),
      logger,
    });
    const controlPlane = getRequestListener(
      createControlPlane({ manager, templates, apiKeys, secrets, logger, clientId: config.runnerName, limits: config.sandbox.limits, domain: () => domain, ...(backend.volumes ? { volumes: backend.volumes } : {}) }).fetch,
      {
        // Requests Hono cannot turn into a Request (bad Host, absolute-form target): E2B's body, not Hono's plain text.
        errorHandler: (error) => {
          logger.debug({ err: error }, 'control-plane request could not be parsed');
          return Response.json({ code: 400, message: `The request cannot be parsed: ${error instanceof Error ? error.message : String(error)}.` }, { status: 400 });
        },
      },
    );
    // Authenticated by the volume's token, not an API key, and with streamed bodies of any size.
    const volumeContent = getRequestListener(createVolumeContentApi({ volumes: backend.volumes, logger }).fetch);
    const bodyIdleMs = config.http.bodyIdleTimeoutSeconds * 1000;

    const lifecycle = { closing: false };
    // The error boundary: no request, however malformed, may throw out of this listener (an
    // exception here would end the process and every sandbox's connections with it).
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      try {
        // While closing, a keep-alive connection whose last request just finished would otherwise linger until its idle timeout.
        res.on('close', () => {
          if (lifecycle.closing) setImmediate(() => servers.forEach((server) => server.closeIdleConnections()));
        });
        res.on('error', (error) => logger.debug({ err: error }, 'response stream failed'));
        watchBodyIdle(req, res, bodyIdleMs, logger);
        if (gateway.claims(req)) gateway.handle(req, res);
        else if (SignedFileUrls.claims(req)) signedFileUrls.handle(req, res);
        else if (req.url?.startsWith(VOLUME_CONTENT_PREFIX)) volumeContent(req, res).catch((error: unknown) => failRequest(req, res, error));
        else controlPlane(req, res).catch((error: unknown) => failRequest(req, res, error));
      } catch (error) {
        failRequest(req, res, error);
      }
    };
    const failRequest = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
      logger.error({ err: error, method: req.method, url: req.url }, 'request failed outside its handler');
      if (res.headersSent || res.destroyed) res.destroy();
      else sendError(res, 500, 'The runner failed to handle the request; see the runner log.');
    };
    const serverOptions = { maxHeaderSize: config.http.maxHeaderBytes, connectionsCheckingInterval: 1000 };
    // WebSockets (and any Upgrade) to a sandbox's user ports; the control plane has none.
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (gateway.claims(req)) gateway.handleUpgrade(req, socket, head);
      else answerUpgrade(socket, logger);
    };
    const edge = { limits: config.http, logger, host: config.host, onUpgrade };
    const server = createServer(serverOptions, onRequest);
    const servers: Array<Server | HttpsServer> = [server];
    const urlOf = (scheme: string, address: AddressInfo): string =>
      `${scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    const url = urlOf('http', await serveEdge(server, { ...edge, port: config.port }));
    let tls: { server: HttpsServer; certFile: string; keyFile: string; url: string } | undefined;
    if (config.tls && credentials) {
      // The handshake gets the header deadline (Node's default is 120 s), so a client that opens
      // TCP and never says hello holds a connection no longer than one that never sends headers.
      const tlsServer = createHttpsServer({ ...serverOptions, ...credentials, handshakeTimeout: config.http.headersTimeoutSeconds * 1000 }, onRequest);
      // A failed handshake (plain HTTP to this port, an untrusted certificate, a scanner): Node
      // closes the socket; it is the client's problem, so debug only.
      tlsServer.on('tlsClientError', (error: Error & { code?: string }) => logger.debug({ err: error, code: error.code }, 'TLS handshake failed'));
      servers.push(tlsServer);
      try {
        const address = await serveEdge(tlsServer, { ...edge, port: config.tls.port });
        tls = { server: tlsServer, certFile: config.tls.certFile, keyFile: config.tls.keyFile, url: urlOf('https', address) };
      } catch (error) {
        server.close();
        throw error;
      }
      domain = config.domain ?? defaultTlsSandboxDomain((tlsServer.address() as AddressInfo).port);
      if (!certificateCoversSandboxHosts(credentials.cert, domainHostname(domain))) {
        logger.warn({ domain, certFile: config.tls.certFile }, `the TLS certificate does not name *.${domainHostname(domain)}; clients will refuse https://<port>-<id>.${domain}`);
      }
    } else {
      domain = config.domain ?? defaultSandboxDomain((server.address() as AddressInfo).port);
    }
    logger.info({ url, tlsUrl: tls?.url, domain, runner: config.runnerName, dataDir: config.dataDir, tenants: apiKeys.size }, 'codebox runner listening');
    return new RunnerServer(url, tls?.url, domain, devApiKey, manager, servers, tls, lifecycle, gateway, backend, logger);
  }

  /**
   * Re-reads the TLS certificate and key (SIGHUP): new handshakes use them, open connections keep
   * theirs. A pair that does not load is refused and the running one stays (the error says why).
   */
  async reloadTls(): Promise<void> {
    if (!this.tls) return;
    const credentials = await loadTlsCredentials(this.tls);
    this.tls.server.setSecureContext(credentials);
    this.logger.info({ certFile: this.tls.certFile }, 'TLS certificate reloaded');
  }

  /**
   * Stops accepting connections and lets in-flight requests finish (up to `graceMs`).
   * Sandboxes keep running: the next runner re-adopts them.
   */
  async close({ graceMs = 10_000 }: CloseOptions = {}): Promise<void> {
    this.lifecycle.closing = true;
    const closed = Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const server of this.servers) server.closeIdleConnections();
    const deadline = setTimeout(() => {
      this.logger.warn({ graceMs }, 'in-flight requests did not finish in time; closing their connections');
      for (const server of this.servers) server.closeAllConnections();
      // Upgraded sockets (WebSockets to user ports) are no longer the HTTP server's to close.
      this.gateway.closeTunnels();
    }, graceMs);
    deadline.unref();
    await closed;
    clearTimeout(deadline);
    this.gateway.close();
    await this.manager.stop();
    await this.backend.stop();
    this.logger.info('codebox runner stopped; sandboxes keep running for the next start');
  }
}
