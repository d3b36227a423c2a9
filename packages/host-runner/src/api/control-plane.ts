import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import {
  connectSandboxSchema,
  ENVD_VERSION,
  HEADERS,
  newSandboxSchema,
  refreshSandboxSchema,
  sandboxNetworkUpdateSchema,
  timeoutBodySchema,
  type TemplateInfo,
} from '@codebox/protocol';
import type { SandboxLimits } from '../sandboxes/sandbox-backend.js';
import type { SandboxManager } from '../sandboxes/sandbox-manager.js';
import type { TemplateCatalog } from '../templates/template-catalog.js';
import { InvalidRequestError, TemplateNotFoundError } from '../sandboxes/errors.js';
import type { ApiKeyRing } from './api-keys.js';
import { toErrorResponse } from './error-response.js';
import { NotSupportedError } from './errors.js';
import { listPage, matchesListQuery, parseListQuery, parseMetadataFilter } from './list-query.js';
import { parseCreateNetwork, parseNetworkUpdate } from '../egress/parse-network.js';
import { parseJsonBody } from './request-body.js';
import { registerSecretRoutes } from './secret-routes.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { assertEnvVars, assertMetadata, assertSandboxIdParam, assertTemplateId } from './request-names.js';
import { toListedSandbox, toSandboxDetail, toSandboxResponse } from './sandbox-views.js';
import { parseVolumeMounts } from './volume-mounts.js';
import { resolveVolumeMounts, volumeRoutes } from './volumes-api.js';
import type { VolumeBackend } from '../volumes/volume-backend.js';

export interface ControlPlaneOptions {
  manager: SandboxManager;
  templates: TemplateCatalog;
  apiKeys: ApiKeyRing;
  /** The tenants' secrets (E2B's secrets API); the egress interception resolves placeholders from the same store. */
  secrets: SecretStore;
  logger: Logger;
  /** Reported as `clientID`: which runner hosts the sandbox. */
  clientId: string;
  /** Limits new sandboxes get, reported on templates. */
  limits: SandboxLimits;
  /** Reported as `domain`: sandbox hosts are `<port>-<id>.<domain>`. Absent: `null`, as before. */
  domain?: () => string;
  /** Named volumes; absent: `/volumes` and `volumeMounts` answer 501. */
  volumes?: VolumeBackend;
}

type Env = { Variables: { tenant: string } };

const secondsToMs = (seconds: number): number => seconds * 1000;

/** Control-plane bodies are small JSON objects; anything bigger is a mistake or an attack. */
export const MAX_BODY_BYTES = 256 * 1024;

/** The E2B control-plane REST API (the subset the official SDKs call), on Hono. */
export function createControlPlane(options: ControlPlaneOptions): Hono<Env> {
  const { manager, templates, apiKeys, secrets, clientId, limits } = options;
  const domain = (): string | null => options.domain?.() ?? null;
  const logger = options.logger.child({ component: 'control-plane' });
  const app = new Hono<Env>();

  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    if (status === 500) logger.error({ err: error, method: c.req.method, path: c.req.path }, 'control-plane request failed');
    return c.json(body, status);
  });
  app.notFound((c) => c.json({ code: 404, message: `No route ${c.req.method} ${c.req.path} on this runner (it speaks the E2B REST API).` }, 404));

  app.use('*', async (c, next) => {
    const started = performance.now();
    // Hono turns errors of inner handlers into responses via onError, so the status is final here.
    await next();
    logger.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, 'api request');
  });
  app.use('*', async (c, next) => {
    c.set('tenant', apiKeys.authenticate(c.req.header(HEADERS.apiKey)));
    await next();
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ code: 413, message: `Request body is larger than ${MAX_BODY_BYTES} bytes; control-plane requests are small JSON objects.` }, 413),
    }),
  );

  const createSandbox = async (c: Context<Env>) => {
    const body = await parseJsonBody(c.req.raw, newSandboxSchema);
    if (body.autoPause) {
      throw new InvalidRequestError('autoPause is not supported: Codebox sandboxes are killed when they time out. Omit autoPause (or lifecycle.onTimeout: "pause").');
    }
    if (body.autoResume?.enabled) throw new InvalidRequestError('autoResume: Codebox sandboxes are never paused, so there is nothing to resume; omit autoResume.');
    if (body.mcp !== undefined && body.mcp !== null) throw new InvalidRequestError('mcp: the MCP gateway is not supported by Codebox; create the sandbox without mcp.');
    if (body.iam !== undefined && body.iam !== null) throw new InvalidRequestError('iam: workload identity tokens are not supported by Codebox; create the sandbox without iam.');
    assertTemplateId(body.templateID);
    assertMetadata(body.metadata ?? {});
    assertEnvVars(body.envVars ?? {});
    const choice = parseCreateNetwork(body.network, body.allow_internet_access);
    const volumeMounts = await resolveVolumeMounts(options.volumes, c.get('tenant'), parseVolumeMounts(body.volumeMounts));
    const record = await manager.create({
      tenant: c.get('tenant'),
      templateId: body.templateID,
      ...(body.timeout === undefined ? {} : { timeoutMs: secondsToMs(body.timeout) }),
      metadata: body.metadata ?? {},
      envVars: body.envVars ?? {},
      allowInternetAccess: choice.allowInternetAccess,
      secure: body.secure ?? true,
      allowPublicTraffic: choice.network.allowPublicTraffic,
      network: choice.network,
      ...(volumeMounts.length > 0 ? { volumeMounts } : {}),
    });
    return c.json(toSandboxResponse(record, clientId, domain()), 201);
  };
  app.post('/sandboxes', createSandbox);
  app.post('/v2/sandboxes', createSandbox);

  app.get('/sandboxes', (c) => {
    const filter = { metadata: parseMetadataFilter(c.req.query('metadata') ?? null), states: ['running' as const], template: undefined, startedAfter: undefined };
    const records = manager.list(c.get('tenant')).filter((record) => matchesListQuery(record, filter));
    return c.json(records.map((record) => toListedSandbox(record, clientId)));
  });

  app.get('/v2/sandboxes', (c) => {
    const tenant = c.get('tenant');
    const query = parseListQuery(new URL(c.req.url).searchParams);
    const records = manager.list(tenant);
    const page = listPage(records, query);
    if (page.nextToken) c.header(HEADERS.nextToken, page.nextToken);
    c.header(HEADERS.totalRunning, String(records.length));
    return c.json(page.items.map((record) => toListedSandbox(record, clientId)));
  });

  app.get('/sandboxes/:sandboxID', (c) => {
    const record = manager.get(c.get('tenant'), assertSandboxIdParam(c.req.param('sandboxID')));
    return c.json(toSandboxDetail(record, clientId, domain()));
  });

  app.delete('/sandboxes/:sandboxID', async (c) => {
    await manager.kill(c.get('tenant'), assertSandboxIdParam(c.req.param('sandboxID')));
    return c.body(null, 204);
  });

  app.post('/sandboxes/:sandboxID/timeout', async (c) => {
    const body = await parseJsonBody(c.req.raw, timeoutBodySchema);
    await manager.setTimeout(c.get('tenant'), assertSandboxIdParam(c.req.param('sandboxID')), secondsToMs(body.timeout));
    return c.body(null, 204);
  });

  const connectSandbox = async (c: Context<Env>) => {
    const sandboxId = assertSandboxIdParam(c.req.param('sandboxID'));
    const body = await parseJsonBody(c.req.raw, connectSandboxSchema, { optional: true });
    const timeoutMs = body.timeout === undefined ? manager.defaultTimeoutMs : secondsToMs(body.timeout);
    const record = await manager.extend(c.get('tenant'), sandboxId, timeoutMs);
    // 200: the sandbox was running (201 would mean resumed from pause, which Codebox never does).
    return c.json(toSandboxResponse(record, clientId, domain()), 200);
  };
  app.post('/sandboxes/:sandboxID/connect', connectSandbox);
  app.post('/v2/sandboxes/:sandboxID/connect', connectSandbox);

  app.post('/sandboxes/:sandboxID/refreshes', async (c) => {
    const body = await parseJsonBody(c.req.raw, refreshSandboxSchema, { optional: true });
    const timeoutMs = body.duration === undefined ? manager.defaultTimeoutMs : secondsToMs(body.duration);
    await manager.extend(c.get('tenant'), assertSandboxIdParam(c.req.param('sandboxID')), timeoutMs);
    return c.body(null, 204);
  });

  // E2B's updateNetwork: the new policy replaces the old whole; omitted fields are cleared.
  app.put('/sandboxes/:sandboxID/network', async (c) => {
    const sandboxId = assertSandboxIdParam(c.req.param('sandboxID'));
    manager.get(c.get('tenant'), sandboxId);
    const egress = parseNetworkUpdate(await parseJsonBody(c.req.raw, sandboxNetworkUpdateSchema, { optional: true }));
    await manager.updateNetwork(c.get('tenant'), sandboxId, egress);
    return c.body(null, 204);
  });

  // E2B features Codebox does not have: answer clearly instead of a bare 404, after the ownership check.
  const unsupported: ReadonlyArray<[method: 'get' | 'post' | 'put', path: string, what: string]> = [
    ['post', '/sandboxes/:sandboxID/pause', 'Pausing sandboxes is not supported by Codebox; extend the sandbox with setTimeout instead'],
    ['post', '/sandboxes/:sandboxID/resume', 'Resuming is not supported by Codebox (sandboxes are never paused)'],
    ['get', '/sandboxes/:sandboxID/metrics', 'Sandbox metrics are not available from Codebox yet'],
    ['post', '/sandboxes/:sandboxID/fork', 'Forking sandboxes is not supported by Codebox'],
    ['post', '/sandboxes/:sandboxID/snapshots', 'Snapshots are not supported by Codebox'],
  ];
  for (const [method, path, what] of unsupported) {
    app[method](path, (c) => {
      manager.get(c.get('tenant'), assertSandboxIdParam(c.req.param('sandboxID')));
      throw new NotSupportedError(`${what}.`);
    });
  }

  volumeRoutes(app, options.volumes);
  registerSecretRoutes(app, secrets);

  app.get('/templates', async (c) => {
    const images = await templates.list();
    const body: TemplateInfo[] = images
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((image) => ({
        templateID: image.name,
        aliases: [image.name],
        public: false,
        buildStatus: 'ready',
        createdAt: image.createdAt.toISOString(),
        cpuCount: Math.ceil(limits.cpuCount),
        memoryMB: limits.memoryMiB,
        diskSizeMB: limits.diskMiB,
        envdVersion: ENVD_VERSION,
      }));
    return c.json(body);
  });

  // `Template.exists()` / `template_exists()`: 200 for a template this runner has, 404 otherwise.
  // Every template here is usable by every key, so none answers E2B's 403 ("someone else's").
  app.get('/templates/aliases/:alias', async (c) => {
    const alias = c.req.param('alias');
    const image = await templates.resolve(alias);
    if (!image) throw new TemplateNotFoundError(alias, (await templates.list()).map((known) => known.name).sort());
    return c.json({ templateID: image.name, public: false });
  });

  return app;
}
