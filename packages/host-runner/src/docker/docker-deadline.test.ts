import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from './docker-client.js';
import { deadlineFor } from './docker-deadline.js';
import { DockerTimeoutError } from './errors.js';

describe('deadlineFor', () => {
  it('times request/response calls and the start of streams, not uploads, hijacks or wait; stop gets its grace on top', () => {
    expect(deadlineFor({ method: 'POST', path: '/containers/create?' }, 1000)).toBe(1000);
    expect(deadlineFor({ method: 'GET', path: '/containers/x/logs?', isStream: true }, 1000)).toBe(1000);
    expect(deadlineFor({ method: 'POST', path: '/build?', file: Readable.from([]) }, 1000)).toBeUndefined();
    expect(deadlineFor({ method: 'POST', path: '/exec/x/start?', hijack: true, isStream: true }, 1000)).toBeUndefined();
    expect(deadlineFor({ method: 'POST', path: '/containers/x/attach?', openStdin: true }, 1000)).toBeUndefined();
    expect(deadlineFor({ method: 'POST', path: '/containers/x/wait?' }, 1000)).toBeUndefined();
    expect(deadlineFor({ method: 'POST', path: '/containers/x/stop?', options: { t: 10 } }, 1000)).toBe(11_000);
    expect(deadlineFor({ method: 'POST', path: '/containers/x/restart?', options: {} }, 1000)).toBe(1000);
  });
});

/**
 * A fake dockerd: hangs, answers late, or streams slowly, per path. The client's deadline is
 * 200 ms; the untimed calls are answered well after it, so a deadline wrongly applied to them
 * would fail them.
 */
describe('createDockerClient deadlines against a dockerd that hangs', () => {
  const DEADLINE_MS = 200;
  const LATE_MS = 1000;
  const dir = mkdtempSync(join(tmpdir(), 'codebox-docker-deadline-'));
  const socketPath = join(dir, 'docker.sock');
  const hung = new Set<ServerResponse>();
  const later = (fn: () => void): void => void setTimeout(fn, LATE_MS);
  const json = (res: ServerResponse, body: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]?.replace(/^\/v[\d.]+/, '') ?? '';
    req.resume();
    if (path === '/containers/create' || path === '/_ping') {
      hung.add(res); // accepted, never answered
    } else if (path === '/containers/headers-only/json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"Id":'); // the body never completes
      hung.add(res);
    } else if (path === '/containers/x/json') {
      json(res, { Id: 'x' });
    } else if (path === '/containers/x/logs') {
      res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' });
      res.write('first\n');
      later(() => res.end('second\n'));
    } else if (path === '/containers/x/wait' || path === '/containers/x/stop') {
      later(() => (path.endsWith('wait') ? json(res, { StatusCode: 0 }) : res.writeHead(204).end()));
    } else if (path === '/build') {
      req.on('end', () => later(() => json(res, { stream: 'built' })));
    } else {
      res.writeHead(404).end('{"message":"no such thing"}');
    }
  });

  beforeAll(() => new Promise<void>((resolve) => server.listen(socketPath, resolve)));
  afterAll(async () => {
    for (const res of hung) res.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const docker = createDockerClient({ socketPath, requestTimeoutMs: DEADLINE_MS });

  it('fails a call nobody answers with DockerTimeoutError naming the call, the endpoint and the deadline', async () => {
    const error = await docker.createContainer({ Image: 'x' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DockerTimeoutError);
    expect(error).toMatchObject({ name: 'DockerTimeoutError', call: 'POST /containers/create', timeoutMs: DEADLINE_MS, endpoint: `unix://${socketPath}` });
    expect((error as Error).message).toMatch(/did not answer POST \/containers\/create within 0\.2 s/);
    await expect(docker.ping()).rejects.toBeInstanceOf(DockerTimeoutError);
  });

  it('times the whole answer of a request/response call: headers then a stalled body also time out', async () => {
    await expect(docker.getContainer('headers-only').inspect()).rejects.toBeInstanceOf(DockerTimeoutError);
  });

  it('keeps working for calls that are answered, after others timed out', async () => {
    expect(await docker.getContainer('x').inspect()).toEqual({ Id: 'x' });
    await expect(docker.getContainer('missing').inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('does not cut a stream that started in time, wait, a stop within its grace, or an upload', async () => {
    const logs = (await docker.getContainer('x').logs({ follow: true, stdout: true })) as NodeJS.ReadableStream;
    let text = '';
    for await (const chunk of logs) text += String(chunk);
    expect(text).toBe('first\nsecond\n');
    expect(await docker.getContainer('x').wait()).toEqual({ StatusCode: 0 });
    await docker.getContainer('x').stop({ t: 5 });
    const build = (await docker.buildImage(Readable.from([Buffer.alloc(512)]), { t: 'x' })) as NodeJS.ReadableStream;
    let built = '';
    for await (const chunk of build) built += String(chunk);
    expect(built).toContain('built');
  });

  it('still honours the caller’s own abort signal', async () => {
    const controller = new AbortController();
    const pending = docker.getContainer('x').wait({ abortSignal: controller.signal });
    controller.abort();
    const error = await pending.catch((err: unknown) => err);
    expect(error).not.toBeInstanceOf(DockerTimeoutError);
    expect((error as Error).name).toBe('AbortError');
  });
});
