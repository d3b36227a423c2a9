import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN, API_KEY, FakeRunner } from '../../test/fake-runner.js';
import {
  AuthenticationError,
  InvalidArgumentError,
  NotFoundError,
  RateLimitError,
  SandboxError,
  SandboxNotFoundError,
  TimeoutError,
} from '../errors.js';
import { Sandbox } from './sandbox.js';

const runner = new FakeRunner();
let opts: { apiKey: string; apiUrl: string };

beforeAll(async () => {
  await runner.start();
  opts = { apiKey: API_KEY, apiUrl: runner.url };
});
afterAll(() => runner.stop());

function lastRequest() {
  const req = runner.requests.at(-1);
  if (!req) throw new Error('no request recorded');
  return req;
}

describe('Sandbox control plane', () => {
  it('creates with the SDK defaults and the REST field names', async () => {
    const sandbox = await Sandbox.create(opts);
    const req = lastRequest();
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/sandboxes');
    expect(req.headers['x-api-key']).toBe(API_KEY);
    expect(req.body).toEqual({ templateID: 'code-interpreter-v1', timeout: 300, secure: true, allow_internet_access: true });
    expect(sandbox.sandboxId).toMatch(/^[a-z0-9]+$/);
    await sandbox.kill();
  });

  it('sends template, metadata, envs, timeout and network choice', async () => {
    const sandbox = await Sandbox.create('python', {
      ...opts,
      metadata: { owner: 'test' },
      envs: { A: '1' },
      timeoutMs: 1500,
      allowInternetAccess: false,
      headers: { 'X-Extra': 'yes' },
    });
    const req = lastRequest();
    expect(req.body).toEqual({
      templateID: 'python',
      timeout: 2,
      secure: true,
      allow_internet_access: false,
      metadata: { owner: 'test' },
      envVars: { A: '1' },
    });
    expect(req.headers['x-extra']).toBe('yes');
    const info = await sandbox.getInfo();
    expect(info).toMatchObject({
      sandboxId: sandbox.sandboxId,
      templateId: 'python',
      metadata: { owner: 'test' },
      state: 'running',
      cpuCount: 1,
      memoryMB: 512,
      envdVersion: '0.5.7',
      allowInternetAccess: false,
    });
    expect(info.startedAt).toBeInstanceOf(Date);
    expect(info.endAt.getTime() - info.startedAt.getTime()).toBe(2000);
    await sandbox.kill();
  });

  it('sets the timeout in seconds, statically and on the instance', async () => {
    const sandbox = await Sandbox.create(opts);
    await sandbox.setTimeout(60_000);
    expect(lastRequest().body).toEqual({ timeout: 60 });
    await Sandbox.setTimeout(sandbox.sandboxId, 1, opts);
    expect(lastRequest().body).toEqual({ timeout: 1 });
    expect(lastRequest().url).toBe(`/sandboxes/${sandbox.sandboxId}/timeout`);
    await sandbox.kill();
  });

  it('sends E2B\'s network create option and replaces the egress rules with updateNetwork', async () => {
    const network = {
      allowOut: ['api.example.com', '10.1.0.0/16'],
      denyOut: ['0.0.0.0/0'],
      rules: { 'api.example.com': [{ transform: { headers: { Authorization: 'Bearer ${e2b.secrets.api-key}' } } }] },
      egressProxy: { address: 'proxy.example.com:1080', username: 'u', password: 'p' },
      allowPublicTraffic: false,
      maskRequestHost: 'h.example:${PORT}',
    };
    const sandbox = await Sandbox.create({ ...opts, network });
    expect(lastRequest().body).toMatchObject({ network });
    await sandbox.updateNetwork({ denyOut: ['8.8.8.8'], allowInternetAccess: false });
    expect(lastRequest()).toMatchObject({ method: 'PUT', url: `/sandboxes/${sandbox.sandboxId}/network`, body: { denyOut: ['8.8.8.8'], allow_internet_access: false } });
    await Sandbox.updateNetwork(sandbox.sandboxId, {}, opts);
    expect(lastRequest().body).toEqual({});
    await expect(Sandbox.updateNetwork('nosuchsandbox', {}, opts)).rejects.toBeInstanceOf(SandboxNotFoundError);
    await sandbox.kill();
  });

  it('connects to an existing sandbox and reaches it with its access token', async () => {
    const created = await Sandbox.create(opts);
    const connected = await Sandbox.connect(created.sandboxId, { ...opts, timeoutMs: 10_000 });
    expect(lastRequest().body).toEqual({ timeout: 10 });
    expect(connected.sandboxId).toBe(created.sandboxId);
    expect(await connected.isRunning()).toBe(true);
    const health = runner.gatewayRequests().at(-1);
    expect(health?.headers['x-access-token']).toBe(ACCESS_TOKEN);
    expect(health?.headers['e2b-sandbox-port']).toBe('49983');
    expect(health?.headers['x-api-key']).toBeUndefined();
    await created.kill();
    expect(await connected.isRunning()).toBe(false);
  });

  it('kills: true once, then false; static kill too', async () => {
    const sandbox = await Sandbox.create(opts);
    expect(await Sandbox.kill(sandbox.sandboxId, opts)).toBe(true);
    expect(await sandbox.kill()).toBe(false);
  });

  it('disposes by killing', async () => {
    let id = '';
    {
      await using sandbox = await Sandbox.create(opts);
      id = sandbox.sandboxId;
    }
    expect(runner.sandboxes.has(id)).toBe(false);
  });

  it('maps a missing sandbox to SandboxNotFoundError', async () => {
    await expect(Sandbox.getInfo('nosuchsandbox', opts)).rejects.toBeInstanceOf(SandboxNotFoundError);
    await expect(Sandbox.setTimeout('nosuchsandbox', 1000, opts)).rejects.toBeInstanceOf(SandboxNotFoundError);
    await expect(Sandbox.connect('nosuchsandbox', opts)).rejects.toThrow(/nosuchsandbox/);
  });

  it('maps a missing template to NotFoundError naming it', async () => {
    await expect(Sandbox.create('missing', opts)).rejects.toThrow(NotFoundError);
    await expect(Sandbox.create('missing', opts)).rejects.toThrow(/missing/);
  });

  it('maps 401, 400, 429 and 500 to the SDK classes with the server message', async () => {
    await expect(Sandbox.create({ ...opts, apiKey: 'e2b_ffff' })).rejects.toBeInstanceOf(AuthenticationError);
    runner.failNext = { status: 400, message: 'timeout too long' };
    await expect(Sandbox.create(opts)).rejects.toThrow(InvalidArgumentError);
    runner.failNext = { status: 429, message: 'too many sandboxes' };
    await expect(Sandbox.create(opts)).rejects.toThrow(RateLimitError);
    runner.failNext = { status: 500, message: 'docker is down' };
    const err = await Sandbox.create(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).message).toBe('500: docker is down');
    expect((err as SandboxError).statusCode).toBe(500);
  });

  it('fails with AuthenticationError before any request when no key is configured', async () => {
    const before = runner.requests.length;
    await expect(Sandbox.create({ apiUrl: runner.url, apiKey: '' })).rejects.toThrow(/CODEBOX_API_KEY/);
    expect(runner.requests.length).toBe(before);
  });

  it('explains an unreachable runner and a request timeout', async () => {
    await expect(Sandbox.create({ apiKey: API_KEY, apiUrl: 'http://127.0.0.1:9' })).rejects.toThrow(/Cannot reach the Codebox API/);
    const never = new (await import('node:http')).Server(() => undefined);
    await new Promise<void>((r) => never.listen(0, '127.0.0.1', r));
    const port = (never.address() as { port: number }).port;
    await expect(Sandbox.create({ apiKey: API_KEY, apiUrl: `http://127.0.0.1:${port}`, requestTimeoutMs: 100 })).rejects.toThrow(
      TimeoutError,
    );
    never.closeAllConnections();
    never.close();
  });

  it('lists page by page with limit, nextToken and filters', async () => {
    const made = await Promise.all([1, 2, 3].map(() => Sandbox.create({ ...opts, metadata: { k: 'v=1&x' } })));
    const paginator = Sandbox.list({ ...opts, limit: 2, query: { metadata: { k: 'v=1&x' }, state: ['running', 'paused'] } });
    const first = await paginator.nextItems();
    const url = new URL(lastRequest().url, 'http://x');
    expect(url.pathname).toBe('/v2/sandboxes');
    expect(url.searchParams.get('state')).toBe('running,paused');
    expect(url.searchParams.get('limit')).toBe('2');
    // As `e2b` sends it: pairs percent-encoded, joined as a query string, sent as one value.
    const metadata = new URLSearchParams(url.searchParams.get('metadata') ?? '');
    expect(decodeURIComponent(metadata.get('k') ?? '')).toBe('v=1&x');
    expect(first).toHaveLength(2);
    expect(paginator.hasNext).toBe(true);
    const rest: unknown[] = [];
    while (paginator.hasNext) rest.push(...(await paginator.nextItems()));
    expect(first.length + rest.length).toBe(runner.sandboxes.size);
    await expect(paginator.nextItems()).rejects.toThrow(/hasNext/);
    await Promise.all(made.map((s) => s.kill()));
  });

  it('reports a killed sandbox on later agent calls', async () => {
    const sandbox = await Sandbox.create(opts);
    await sandbox.kill();
    await expect(sandbox.commands.run('true')).rejects.toBeInstanceOf(SandboxNotFoundError);
    await expect(sandbox.files.exists('/')).rejects.toBeInstanceOf(TimeoutError);
  });

  it('makes no control-plane calls in debug mode', async () => {
    const before = runner.requests.length;
    const sandbox = await Sandbox.create({ debug: true, sandboxUrl: runner.url });
    expect(sandbox.sandboxId).toBe('debug_sandbox_id');
    expect(await sandbox.kill()).toBe(true);
    await sandbox.setTimeout(1000);
    expect(runner.requests.length).toBe(before);
  });

  it('names a port by host as e2b does: <port>-<id>.<domain>, the runner\'s domain first', async () => {
    runner.domain = 'localhost:3201';
    try {
      const sandbox = await Sandbox.create(opts);
      expect(sandbox.getHost(8000)).toBe(`8000-${sandbox.sandboxId}.localhost:3201`);
      expect(sandbox.sandboxDomain).toBe('localhost:3201');
      expect(() => sandbox.getHost(0)).toThrow(InvalidArgumentError);
      expect(() => sandbox.getHost(65536)).toThrow(InvalidArgumentError);
      expect(() => sandbox.getHost(80.5)).toThrow(InvalidArgumentError);
      await sandbox.kill();
    } finally {
      runner.domain = null;
    }
    const noDomain = await Sandbox.create(opts);
    expect(() => noDomain.getHost(8000)).toThrow(/CODEBOX_DOMAIN/);
    const configured = await Sandbox.connect(noDomain.sandboxId, { ...opts, domain: 'sandboxes.example.test' });
    expect(configured.getHost(8000)).toBe(`8000-${noDomain.sandboxId}.sandboxes.example.test`);
    await noDomain.kill();
    const debug = await Sandbox.create({ debug: true, sandboxUrl: runner.url });
    expect(debug.getHost(3000)).toBe('localhost:3000');
  });
});
