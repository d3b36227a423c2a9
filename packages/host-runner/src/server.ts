import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { HEADERS } from '@codebox/protocol';
import type { Logger } from 'pino';
import { ApiKeyRing } from './api/api-keys.js';
import { createControlPlane } from './api/control-plane.js';
import { loadOrCreateDevApiKey } from './api/dev-api-key.js';
import type { RunnerConfig } from './config.js';
import { Gateway } from './gateway/gateway.js';
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
 * E2B_SANDBOX_URL point here).
 */
export class RunnerServer {
  private constructor(
    readonly url: string,
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

    const gateway = new Gateway({ lookup: (id) => manager.lookup(id), logger });
    manager.onSandboxRemoved((record) => gateway.release(record));
    const controlPlane = getRequestListener(
      createControlPlane({ manager, templates, apiKeys, logger, clientId: config.runnerName, limits: config.sandbox.limits }).fetch,
    );

    const lifecycle = { closing: false };
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      // While closing, a keep-alive connection whose last request just finished would otherwise linger until its idle timeout.
      res.on('close', () => {
        if (lifecycle.closing) setImmediate(() => server.closeIdleConnections());
      });
      if (req.headers[HEADERS.sandboxId] !== undefined) gateway.handle(req, res);
      else void controlPlane(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info({ url, runner: config.runnerName, dataDir: config.dataDir, tenants: apiKeys.size }, 'codebox runner listening');
    return new RunnerServer(url, devApiKey, manager, server, lifecycle, gateway, backend, logger);
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
