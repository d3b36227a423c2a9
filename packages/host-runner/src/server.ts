import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from 'pino';
import { ApiKeyRing } from './api/api-keys.js';
import { createControlPlane } from './api/control-plane.js';
import { loadOrCreateDevApiKey } from './api/dev-api-key.js';
import type { RunnerConfig } from './config.js';
import { Gateway } from './gateway/gateway.js';
import { defaultSandboxDomain } from './gateway/sandbox-domain.js';
import { SignedFileUrls } from './gateway/signed-file-urls.js';
import { answerClientError, answerConnect, answerUpgrade, applyConnectionLimits, sendError, watchBodyIdle } from './http-edge.js';
import type { SandboxBackend } from './sandboxes/sandbox-backend.js';
import { SandboxManager } from './sandboxes/sandbox-manager.js';
import type { TemplateCatalog } from './templates/template-catalog.js';

export interface RunnerServerOptions {
  config: RunnerConfig;
  backend: SandboxBackend;
  templates: TemplateCatalog;
  logger: Logger;
}

export interface CloseOptions {
  /** How long in-flight requests (e.g. running code) may take to finish before they are cut. */
  graceMs?: number;
}

/**
 * The runner: one HTTP port serving the E2B control plane and, for requests that name a
 * sandbox in `E2b-Sandbox-Id`, the gateway to that sandbox (so both E2B_API_URL and
 * E2B_SANDBOX_URL point here). Signed `/files` URLs name no sandbox: they are matched to one by
 * their signature first (gateway/signed-file-urls.ts).
 */
export class RunnerServer {
  private constructor(
    readonly url: string,
    /** Sandbox host names are `<port>-<id>.<domain>` (reported at create as `domain`). */
    readonly domain: string,
    /** The generated development key, when the operator configured none. */
    readonly devApiKey: string | undefined,
    readonly manager: SandboxManager,
    private readonly server: Server,
    private readonly lifecycle: { closing: boolean },
    private readonly gateway: Gateway,
    private readonly backend: SandboxBackend,
    private readonly logger: Logger,
  ) {}

  static async start({ config, backend, templates, logger }: RunnerServerOptions): Promise<RunnerServer> {
    const devApiKey = config.apiKeys.length === 0 ? await loadOrCreateDevApiKey(config.dataDir) : undefined;
    const apiKeys = new ApiKeyRing(devApiKey ? [devApiKey] : config.apiKeys);

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
      createControlPlane({ manager, templates, apiKeys, logger, clientId: config.runnerName, limits: config.sandbox.limits, domain: () => domain }).fetch,
      {
        // Requests Hono cannot turn into a Request (bad Host, absolute-form target): E2B's body, not Hono's plain text.
        errorHandler: (error) => {
          logger.debug({ err: error }, 'control-plane request could not be parsed');
          return Response.json({ code: 400, message: `The request cannot be parsed: ${error instanceof Error ? error.message : String(error)}.` }, { status: 400 });
        },
      },
    );
    const bodyIdleMs = config.http.bodyIdleTimeoutSeconds * 1000;

    const lifecycle = { closing: false };
    // The error boundary: no request, however malformed, may throw out of this listener (an
    // exception here would end the process and every sandbox's connections with it).
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      try {
        // While closing, a keep-alive connection whose last request just finished would otherwise linger until its idle timeout.
        res.on('close', () => {
          if (lifecycle.closing) setImmediate(() => server.closeIdleConnections());
        });
        res.on('error', (error) => logger.debug({ err: error }, 'response stream failed'));
        watchBodyIdle(req, res, bodyIdleMs, logger);
        if (gateway.claims(req)) gateway.handle(req, res);
        else if (SignedFileUrls.claims(req)) signedFileUrls.handle(req, res);
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
    const server = createServer({ maxHeaderSize: config.http.maxHeaderBytes, connectionsCheckingInterval: 1000 }, onRequest);
    applyConnectionLimits(server, config.http, logger);
    server.on('clientError', (error: Error & { code?: string }, socket) => answerClientError(error, socket, logger));
    server.on('connect', (_req: IncomingMessage, socket) => answerConnect(socket, logger));
    // WebSockets (and any Upgrade) to a sandbox's user ports; the control plane has none.
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (gateway.claims(req)) gateway.handleUpgrade(req, socket, head);
      else answerUpgrade(socket, logger);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // After listen, 'error' means a failed accept (EMFILE when file descriptors run out): the
    // server keeps listening, so log it; without a listener Node would throw and exit.
    server.on('error', (error) => logger.error({ err: error }, 'accepting a connection failed'));
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    domain = config.domain ?? defaultSandboxDomain(address.port);
    logger.info({ url, domain, runner: config.runnerName, dataDir: config.dataDir, tenants: apiKeys.size }, 'codebox runner listening');
    return new RunnerServer(url, domain, devApiKey, manager, server, lifecycle, gateway, backend, logger);
  }

  /**
   * Stops accepting connections and lets in-flight requests finish (up to `graceMs`).
   * Sandboxes keep running: the next runner re-adopts them.
   */
  async close({ graceMs = 10_000 }: CloseOptions = {}): Promise<void> {
    this.lifecycle.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const deadline = setTimeout(() => {
      this.logger.warn({ graceMs }, 'in-flight requests did not finish in time; closing their connections');
      this.server.closeAllConnections();
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
