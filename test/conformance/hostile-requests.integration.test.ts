import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '@codebox/core-client';
import * as e2b from 'e2b';
import { rawRequest } from '../support/raw-http.js';
import { useRunner } from '../support/use-runner.js';

const runner = useRunner();

/**
 * Issue 8, findings 1 and 2: requests crafted to break the runner's edge (request-targets no
 * URL parser accepts, names that walk out of a Docker API path). Each must get a clear 4xx,
 * and the runner must keep serving: its API answers and a bystander sandbox runs a command.
 */
describe('hostile requests at the runner edge', () => {
  let bystander: Sandbox;
  let target: Sandbox;
  beforeAll(async () => {
    bystander = await Sandbox.create('base');
    target = await Sandbox.create('base');
  });
  afterAll(async () => {
    await bystander?.kill();
    await target?.kill();
  });

  const stillServes = async (what: string): Promise<void> => {
    const api = await fetch(`${runner().url}/v2/sandboxes`, { headers: { 'X-API-KEY': runner().keys[0] } }).catch((error: Error) => error);
    expect(api instanceof Response ? api.status : api.message, `runner API after ${what}\n${runner().output().slice(-3000)}`).toBe(200);
    expect((await bystander.commands.run('echo alive')).stdout, `bystander after ${what}`).toBe('alive\n');
  };

  const request = (line: string, headers: readonly string[] = []): string => `${line}\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

  it('answers malformed request lines, targets and headers with 4xx, through the gateway and the control plane, and keeps serving', async () => {
    const id = target.sandboxId;
    const sandboxHeader = `E2b-Sandbox-Id: ${id}`;
    const cases: Array<[name: string, bytes: string | Buffer, expected: number[]]> = [
      ['"//[x" to the gateway', request('GET //[x HTTP/1.1', [sandboxHeader]), [400]],
      ['"//[x" to the control plane', request('GET //[x HTTP/1.1'), [400, 401, 404]],
      ['"http://[" to the gateway', request('GET http://[ HTTP/1.1', [sandboxHeader]), [400]],
      ['"http://[" to the control plane', request('GET http://[ HTTP/1.1'), [400]],
      ['absolute-form to another host (gateway)', request('GET http://127.0.0.2:1/health HTTP/1.1', [sandboxHeader]), [400]],
      ['absolute-form to another host (control plane)', request('GET http://127.0.0.2:1/v2/sandboxes HTTP/1.1'), [400, 401]],
      ['"//host/health" (a path that another parser reads as a host)', request('GET //evil/health HTTP/1.1', [sandboxHeader]), [400]],
      ['"/\\\\evil/health"', request('GET /\\evil/health HTTP/1.1', [sandboxHeader]), [400]],
      ['authority-form', request('CONNECT 127.0.0.2:1 HTTP/1.1', [sandboxHeader]), [400]],
      ['asterisk-form', request('OPTIONS * HTTP/1.1', [sandboxHeader]), [400]],
      ['"%zz" to the gateway', request('GET /%zz?path=%zz HTTP/1.1', [sandboxHeader]), [401]],
      ['"%zz" to the control plane', request('GET /sandboxes/%zz HTTP/1.1'), [400, 401]],
      ['an overlong target', request(`GET /${'a'.repeat(70_000)} HTTP/1.1`, [sandboxHeader]), [400, 414, 431]],
      ['an overlong header', request('GET /health HTTP/1.1', [sandboxHeader, `X-Big: ${'b'.repeat(70_000)}`]), [431]],
      ['a NUL byte in the target', request('GET /he\0alth HTTP/1.1', [sandboxHeader]), [400]],
      ['a NUL byte in a header', request('GET /health HTTP/1.1', [sandboxHeader, 'X-Foo: a\0b']), [400]],
      ['a control character in a header', request('GET /health HTTP/1.1', [sandboxHeader, 'X-Foo: a\u0001b']), [400]],
      ['a bad header name', request('GET /health HTTP/1.1', [sandboxHeader, 'X (Foo): a']), [400]],
      ['a duplicate E2b-Sandbox-Id', request('GET /health HTTP/1.1', [sandboxHeader, sandboxHeader]), [400]],
      ['a duplicate E2b-Sandbox-Id naming another sandbox', request('GET /health HTTP/1.1', [sandboxHeader, `E2b-Sandbox-Id: ${bystander.sandboxId}`]), [400]],
      ['an empty E2b-Sandbox-Id', request('GET /health HTTP/1.1', ['E2b-Sandbox-Id: ']), [502]],
      ['a traversal E2b-Sandbox-Id', request('GET /health HTTP/1.1', [`E2b-Sandbox-Id: ../${id}`]), [502]],
      ['an E2b-Sandbox-Port that is not a number', request('GET /health HTTP/1.1', [sandboxHeader, 'E2b-Sandbox-Port: abc']), [400]],
      ['a hex E2b-Sandbox-Port', request('GET /health HTTP/1.1', [sandboxHeader, 'E2b-Sandbox-Port: 0xC34F']), [400]],
      ['a negative E2b-Sandbox-Port', request('GET /health HTTP/1.1', [sandboxHeader, 'E2b-Sandbox-Port: -1']), [400]],
      ['an out-of-range E2b-Sandbox-Port', request('GET /health HTTP/1.1', [sandboxHeader, 'E2b-Sandbox-Port: 99999']), [400]],
      ['two E2b-Sandbox-Port headers', request('GET /health HTTP/1.1', [sandboxHeader, 'E2b-Sandbox-Port: 49983', 'E2b-Sandbox-Port: 49999']), [400]],
      ['an invalid Host header', 'GET /v2/sandboxes HTTP/1.1\r\nHost: [\r\n\r\n', [400]],
      ['HTTP/0.9', 'GET /\r\n\r\n', [400]],
      ['an unknown HTTP version', request('GET /health HTTP/7.0', [sandboxHeader]), [400, 505]],
      ['binary garbage', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]), [400]],
      ['a bad chunked body to the gateway', `POST /files?path=/tmp/x HTTP/1.1\r\nHost: x\r\n${sandboxHeader}\r\nX-Access-Token: ${(target as unknown as { envdAccessToken?: string }).envdAccessToken ?? ''}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`, [400]],
    ];
    for (const [name, bytes, expected] of cases) {
      const answer = await rawRequest(runner().url, bytes);
      expect(expected, `${name}: got ${answer.text.slice(0, 300)}`).toContain(answer.status);
      if (answer.status !== undefined) {
        const body = answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4);
        expect(JSON.parse(body), name).toMatchObject({ code: answer.status, message: expect.any(String) });
      }
      await stillServes(name);
    }
    // The target sandbox, reached only by malformed requests, is untouched too.
    expect((await target.commands.run('echo ok')).stdout).toBe('ok\n');
  });

  it('keeps the official SDK’s signed file URLs working now that the gateway normalises request-targets (Latin-1 names: non-Latin-1 downloads are finding 11)', async () => {
    const sandbox = await e2b.Sandbox.create('base');
    try {
      for (const path of ["/home/user/a b'c(1).txt", '/home/user/ünï dir/%41 &x=1.txt', '/home/user/x/../y?#.txt']) {
        await sandbox.files.write(path, `content of ${path}`);
        const signed = new URL(await sandbox.downloadUrl(path, { useSignatureExpiration: 60 }));
        // The runner routes by header, so the URL's path and query go to it with the sandbox named.
        const res = await fetch(`${runner().url}${signed.pathname}${signed.search}`, { headers: { 'E2b-Sandbox-Id': sandbox.sandboxId } });
        expect(res.status, path).toBe(200);
        expect(await res.text()).toBe(`content of ${path}`);
        const tampered = new URL(signed);
        tampered.searchParams.set('path', '/etc/shadow');
        const denied = await fetch(`${runner().url}${tampered.pathname}${tampered.search}`, { headers: { 'E2b-Sandbox-Id': sandbox.sandboxId } });
        expect(denied.status).toBe(401);
      }
    } finally {
      await sandbox.kill();
    }
  });

  describe('names and ids that would reach Docker or a host path', () => {
    let victim: Server;
    let victimPort = 0;
    let victimConnections = 0;
    beforeAll(async () => {
      // A loopback listener the SSRF class would make the runner call; it must see nothing.
      victim = createServer((socket) => {
        victimConnections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => victim.listen(0, '127.0.0.1', resolve));
      victimPort = (victim.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => victim.close(resolve));
    });

    const create = (templateID: string): Promise<Response> =>
      fetch(`${runner().url}/sandboxes`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-KEY': runner().keys[0] },
        body: JSON.stringify({ templateID }),
      });

    it('refuses templateIDs that are not template names with a 400 naming the field, and never calls another host', async () => {
      const spellings = [
        'base/../base',
        `../../127.0.0.1:${victimPort}/x`,
        `127.0.0.1:${victimPort}/x`,
        `base/../../../127.0.0.1:${victimPort}/x`,
        '..',
        '%2e%2e/base',
        'base%2F..%2Fbase',
        'base\\..\\base',
        '/etc/passwd',
        '/base',
        'base/',
        '\uff0e\uff0e/base',
        'base\u2024\u2024',
        'base\u0000',
        'base?x=1',
        'base#x',
        'base:latest',
        'Base',
        ' base',
        'a'.repeat(5000),
        '',
      ];
      const before = runner().containerIds().length;
      for (const templateID of spellings) {
        const res = await create(templateID);
        const body = (await res.json()) as { code: number; message: string };
        expect(res.status, `templateID ${JSON.stringify(templateID.slice(0, 40))}: ${body.message}`).toBe(400);
        expect(body.message).toContain('templateID');
        await stillServes(`templateID ${JSON.stringify(templateID.slice(0, 40))}`);
      }
      expect(victimConnections).toBe(0);
      expect(runner().containerIds().length).toBe(before);
    });

    it('answers sandbox ids in routes that are not ids with E2B\'s 404 before any lookup (the SDK\'s kill of a malformed id resolves to false)', async () => {
      const key = runner().keys[0];
      // Dot segments are resolved by URL parsing before routing: they reach no route at all.
      for (const path of ['/sandboxes/%2e%2e', '/sandboxes/%2E%2E/timeout', '/sandboxes/..']) {
        const res = await fetch(`${runner().url}${path}`, { headers: { 'X-API-KEY': key } });
        expect(res.status, path).toBe(404);
        expect(await res.json()).toMatchObject({ code: 404 });
      }
      const spellings = ['%2e%2e%2Fx', '..%2F..%2Fx', 'a%2Fb', `${bystander.sandboxId}%00`, bystander.sandboxId.toUpperCase(), `${bystander.sandboxId}x`, 'x'.repeat(3000), '%E2%80%A4%E2%80%A4'];
      for (const id of spellings) {
        for (const [method, path, body] of [
          ['GET', `/sandboxes/${id}`, undefined],
          ['DELETE', `/sandboxes/${id}`, undefined],
          ['POST', `/sandboxes/${id}/timeout`, '{"timeout":10}'],
          ['POST', `/v2/sandboxes/${id}/connect`, '{"timeout":10}'],
          ['POST', `/sandboxes/${id}/refreshes`, '{}'],
          ['POST', `/sandboxes/${id}/pause`, undefined],
        ] as const) {
          const res = await fetch(`${runner().url}${path}`, { method, headers: { 'X-API-KEY': key, 'Content-Type': 'application/json' }, ...(body ? { body } : {}) });
          const text = await res.text();
          expect(res.status, `${method} ${path.slice(0, 80)}: ${text.slice(0, 200)}`).toBe(404);
          expect(JSON.parse(text)).toMatchObject({ code: 404 });
        }
      }
      // What the official SDK's own suite expects of an id that cannot exist.
      await expect(e2b.Sandbox.kill('nonexistingsandbox')).resolves.toBe(false);
      await stillServes('malformed sandbox ids');
      expect((await bystander.commands.run('echo still-mine')).stdout).toBe('still-mine\n');
    });

    it('refuses env var names and metadata that cannot be stored or passed on', async () => {
      for (const body of [
        { templateID: 'base', envVars: { 'A=B': 'x' } },
        { templateID: 'base', envVars: { '': 'x' } },
        { templateID: 'base', envVars: { A: 'x\u0000y' } },
        { templateID: 'base', metadata: { k: 'v\u0000' } },
      ]) {
        const res = await fetch(`${runner().url}/sandboxes`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-API-KEY': runner().keys[0] },
          body: JSON.stringify(body),
        });
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
      await stillServes('bad envVars and metadata');
    });
  });
});
