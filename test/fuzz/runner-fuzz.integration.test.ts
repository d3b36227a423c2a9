import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '@codebox/core-client';
import { rawRequest } from '../support/raw-http.js';
import { useRunner } from '../support/use-runner.js';

const runner = useRunner();

/**
 * Bounded fuzz stage (issue 8, "Fuzzing in CI"): arbitrary request lines, headers, paths and
 * bodies at the control plane and, through the gateway, at a live sandbox's agent. After every
 * batch the runner must still be running and a bystander sandbox must still run a command; the
 * control plane must never answer 500 (that would be an unhandled error in the runner).
 *
 * The budget is fixed (each property stops at its time limit); the seed is printed, and a
 * failing run is replayed with CODEBOX_FUZZ_SEED=<seed>.
 */
const SEED = process.env.CODEBOX_FUZZ_SEED ? Number(process.env.CODEBOX_FUZZ_SEED) : Date.now() % 2 ** 31;
const BUDGET_MS = { raw: 25_000, controlPlane: 20_000, gateway: 25_000 };
const BATCH = 20;

const accessToken = (sandbox: Sandbox): string => (sandbox as unknown as { envdAccessToken?: string }).envdAccessToken ?? '';

describe(`runner fuzz (seed ${SEED})`, () => {
  let bystander: Sandbox;
  let target: Sandbox;
  let runs = 0;
  beforeAll(async () => {
    console.log(`runner fuzz seed: ${SEED} (replay with CODEBOX_FUZZ_SEED=${SEED})`);
    bystander = await Sandbox.create('base');
    target = await Sandbox.create('base');
  });
  afterAll(async () => {
    console.log(`runner fuzz: ${runs} requests (seed ${SEED})`);
    await bystander?.kill();
    await target?.kill();
  });

  /** Every BATCH runs: the runner process lives and the bystander answers. */
  const checkpoint = async (): Promise<void> => {
    runs++;
    expect(runner().alive(), `runner exited (seed ${SEED})\n${runner().output().slice(-3000)}`).toBe(true);
    if (runs % BATCH !== 0) return;
    expect((await bystander.commands.run('echo alive', { timeoutMs: 30_000 })).stdout, `bystander after ${runs} runs (seed ${SEED})`).toBe('alive\n');
  };

  const params = (ms: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns: 100_000, interruptAfterTimeLimit: ms, markInterruptAsFailure: false, endOnFailure: true });

  // Pieces a hostile request is made of: real routes and ids mixed with arbitrary text.
  const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
  const segment = fc.oneof(
    fc.constantFrom('sandboxes', 'v2', 'templates', 'connect', 'timeout', 'refreshes', 'pause', '..', '.', '%2e%2e', '%2F', '%zz', '%00', '\\', '[', '//', 'files', 'health', 'execute', 'contexts'),
    fc.string({ maxLength: 12 }),
  );
  const path = fc.array(segment, { maxLength: 5 }).chain((segments) =>
    fc.tuple(fc.constantFrom('/', '//', '', 'http://[', 'http://127.0.0.2:1/', '*', '/\\'), fc.constant(segments.join('/')), fc.oneof(fc.constant(''), fc.string({ maxLength: 20 }).map((q) => `?${q}`))).map(([prefix, rest, query]) => `${prefix}${rest}${query}`),
  );

  it('survives arbitrary request lines and headers on raw sockets', async () => {
    const headerName = fc.oneof(fc.constantFrom('E2b-Sandbox-Id', 'E2b-Sandbox-Port', 'X-Access-Token', 'X-API-KEY', 'E2B-Traffic-Access-Token', 'Content-Length', 'Transfer-Encoding', 'Host', 'Connection', 'Upgrade', 'Expect'), fc.string({ maxLength: 16 }));
    const headerValue = (ids: string[]) => fc.oneof(fc.constantFrom(...ids, '49983', '49999', '-1', '0x1', 'chunked', 'close', 'websocket', '100-continue', '99999999999999999999'), text);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'HEAD', 'CONNECT', 'PATCH'), fc.string({ maxLength: 10 })),
        path,
        fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', '', 'HTTP/1.1 extra'),
        fc.array(fc.tuple(headerName, headerValue([target.sandboxId, bystander.sandboxId, accessToken(target)])), { maxLength: 8 }),
        fc.oneof(fc.constant(''), fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })),
        fc.boolean(),
        async (method, target_, version, headers, body, finishHeaders) => {
          const head = `${method} ${target_} ${version}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}`;
          await rawRequest(runner().url, `${head}${finishHeaders ? '\r\n' : ''}${body}`, { waitMs: 300 });
          await checkpoint();
        },
      ),
      params(BUDGET_MS.raw),
    );
  }, 120_000);

  it('never answers 500 on the control plane, whatever the path, key and JSON body', async () => {
    const json = fc.oneof(
      fc.json({ maxDepth: 3 }),
      fc
        .record(
          {
            templateID: fc.oneof(text, fc.constantFrom('base/../base', '../../127.0.0.1:1/x', 'no-such-template', 'code-interpreter-v1:tag')),
            timeout: fc.oneof(fc.integer(), fc.double(), text),
            metadata: fc.dictionary(text, fc.oneof(text, fc.integer())),
            envVars: fc.dictionary(text, fc.oneof(text, fc.integer())),
            network: fc.oneof(fc.constant(null), fc.dictionary(fc.constantFrom('allowPublicTraffic', 'denyOut', 'allowOut', 'rules', 'x'), fc.jsonValue())),
            secure: fc.jsonValue(),
            allow_internet_access: fc.jsonValue(),
            autoPause: fc.jsonValue(),
          },
          { requiredKeys: [] },
        )
        .map((body) => JSON.stringify(body)),
      fc.string({ unit: 'binary', maxLength: 300 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
        fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.map((x) => encodeURIComponent(x)).join('/')}`),
        fc.constantFrom<'key' | 'none' | 'bad'>('key', 'none', 'bad'),
        json,
        async (method, p, key, body) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (key === 'key') headers['x-api-key'] = runner().keys[0];
          if (key === 'bad') headers['x-api-key'] = 'e2b_00';
          const res = await fetch(`${runner().url}${p}`, { method, headers, ...(method === 'GET' ? {} : { body }) });
          const answer = await res.text();
          expect(res.status, `${method} ${p} ${body.slice(0, 200)} → ${answer.slice(0, 300)}`).not.toBe(500);
          if (res.status >= 400) expect(JSON.parse(answer)).toMatchObject({ code: res.status, message: expect.any(String) });
          await checkpoint();
        },
      ),
      params(BUDGET_MS.controlPlane),
    );
    // Nothing the fuzzer sent created a sandbox it does not know about.
    expect(runner().containerIds().length).toBe(2);
  }, 120_000);

  it('survives arbitrary RPC, file and interpreter requests through the gateway to a live agent', async () => {
    const rpcPaths = [
      '/process.Process/Start', '/process.Process/List', '/process.Process/SendSignal', '/process.Process/SendInput', '/process.Process/Connect',
      '/filesystem.Filesystem/Stat', '/filesystem.Filesystem/ListDir', '/filesystem.Filesystem/MakeDir', '/filesystem.Filesystem/Move', '/filesystem.Filesystem/WatchDir',
      '/files', '/envs', '/health', '/execute', '/contexts', '/contexts/x/restart',
    ];
    // Connect envelopes: flags byte, 4-byte big-endian length (often a lie), payload.
    const envelope = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.uint8Array({ maxLength: 200 })).map(([flags, length, payload]) => {
      const head = Buffer.alloc(5);
      head.writeUInt8(flags, 0);
      head.writeUInt32BE(length, 1);
      return Buffer.concat([head, payload]);
    });
    const multipart = fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 200 }), fc.boolean()).map(([boundary, filename, data, close]) => ({
      boundary,
      body: Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
        Buffer.from(data),
        Buffer.from(close ? `\r\n--${boundary}--\r\n` : ''),
      ]),
    }));
    const body = fc.oneof(
      fc.json({ maxDepth: 3 }).map((j) => ({ type: 'application/json', data: Buffer.from(j) })),
      envelope.map((data) => ({ type: 'application/connect+json', data })),
      multipart.map(({ boundary, body: data }) => ({ type: `multipart/form-data; boundary=${boundary}`, data })),
      fc.uint8Array({ maxLength: 300 }).map((data) => ({ type: 'application/octet-stream', data: Buffer.from(data) })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT'),
        fc.oneof(fc.constantFrom(...rpcPaths), path.filter((p) => p.startsWith('/') && !p.startsWith('//'))),
        fc.oneof(fc.constant(''), fc.string({ maxLength: 60 }).map((q) => `path=${encodeURIComponent(q)}`), fc.constantFrom('path=/home/user/f&username=user', 'path=/proc/self/mem', 'path=../../etc/shadow', 'username=root', 'username=daemon')),
        fc.constantFrom('49983', '49999', '8080'),
        fc.boolean(),
        body,
        async (method, p, query, port, withToken, { type, data }) => {
          const url = `${runner().url}${p}${query ? `${p.includes('?') ? '&' : '?'}${query}` : ''}`;
          const headers: Record<string, string> = { 'E2b-Sandbox-Id': target.sandboxId, 'E2b-Sandbox-Port': port, 'content-type': type, 'connect-protocol-version': '1' };
          if (withToken) headers['X-Access-Token'] = accessToken(target);
          const controller = new AbortController();
          // Streaming RPCs (Connect, WatchDir) may answer forever: cut them, that is fine too.
          const timer = setTimeout(() => controller.abort(), 1500);
          try {
            const res = await fetch(url, { method, headers, signal: controller.signal, ...(method === 'GET' ? {} : { body: data }) });
            await res.arrayBuffer();
          } catch {
            // aborted or cut: the point is what happens to the runner, checked next
          } finally {
            clearTimeout(timer);
          }
          await checkpoint();
        },
      ),
      params(BUDGET_MS.gateway),
    );
    expect((await target.commands.run('echo target-alive', { timeoutMs: 30_000 })).stdout).toBe('target-alive\n');
  }, 120_000);
});
