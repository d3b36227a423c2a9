import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, TEST_UID, type AgentFixture } from '../testing/agent-fixture.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** GET without fetch's automatic gzip handling, to see exactly what the agent sends. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('/files, /health, /envs and port routing (real agent)', () => {
  let fx: AgentFixture;
  let secretFile: string;
  const files = (query: string) => `${fx.baseUrl}/files?${query}`;

  beforeAll(async () => {
    fx = await startAgent({ sandboxEnvs: { A: '1' } });
    mkdirSync(join(fx.root, 'secret'), { mode: 0o700 });
    secretFile = join(fx.root, 'secret/token');
    writeFileSync(secretFile, 'root only', { mode: 0o600 });
    symlinkSync(secretFile, join(fx.home, 'link'));
  });
  afterAll(() => fx.close());

  it('answers /health with 204 and /envs with the sandbox env', async () => {
    expect((await fetch(`${fx.baseUrl}/health`)).status).toBe(204);
    expect(await (await fetch(`${fx.baseUrl}/envs`)).json()).toEqual({ A: '1' });
  });

  it('routes by E2b-Sandbox-Port: 49983 is envd, 49999 the code interpreter, others a user port (closed: 502)', async () => {
    expect((await fetch(`${fx.baseUrl}/health`, { headers: { 'E2b-Sandbox-Port': '49983' } })).status).toBe(204);
    const interpreter = await fetch(`${fx.baseUrl}/health`, { headers: { 'E2b-Sandbox-Port': '49999' } });
    expect(interpreter.status).toBe(200);
    expect(await interpreter.json()).toBe('OK');
    // A port just freed: the relay finds it closed and answers as E2B's edge does.
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const relayed = await fetch(`${fx.baseUrl}/health`, { headers: { 'E2b-Sandbox-Port': String(closed) } });
    expect(relayed.status).toBe(502);
    expect(await relayed.json()).toMatchObject({ message: 'The sandbox is running but port is not open', port: closed });
  });

  it('uploads with octet-stream (creating parents) and downloads the same bytes', async () => {
    const response = await fetch(files('path=dir/one/file.txt'), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'first',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ path: join(fx.home, 'dir/one/file.txt'), name: 'file.txt', type: 'file' }]);
    const stats = statSync(join(fx.home, 'dir/one/file.txt'));
    expect(stats.uid).toBe(TEST_UID);
    expect(statSync(join(fx.home, 'dir/one')).uid).toBe(TEST_UID);

    await fetch(files('path=dir/one/file.txt'), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'second' });
    const read = await fetch(files('path=dir/one/file.txt&username=user'));
    expect(await read.text()).toBe('second');
  });

  it('uploads several files in one multipart body, each part naming its target path', async () => {
    const form = new FormData();
    form.append('file', new Blob(['a-content']), 'multi/a.txt');
    form.append('file', new Blob(['b-content']), join(fx.home, 'multi/deeper/b.txt'));
    const response = await fetch(files(''), { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { path: join(fx.home, 'multi/a.txt'), name: 'a.txt', type: 'file' },
      { path: join(fx.home, 'multi/deeper/b.txt'), name: 'b.txt', type: 'file' },
    ]);
    expect(readFileSync(join(fx.home, 'multi/deeper/b.txt'), 'utf8')).toBe('b-content');
  });

  it('round-trips a 6 MiB binary intact over multipart and octet-stream', async () => {
    const data = randomBytes(6 * 1024 * 1024);
    const form = new FormData();
    form.append('file', new Blob([data]), 'ignored-name');
    expect((await fetch(files('path=big/multipart.bin'), { method: 'POST', body: form })).status).toBe(200);
    const viaMultipart = Buffer.from(await (await fetch(files('path=big/multipart.bin'))).arrayBuffer());
    expect(sha256(viaMultipart)).toBe(sha256(data));

    const upload = await fetch(files('path=big/octet.bin'), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: data });
    expect(upload.status).toBe(200);
    const raw = await rawGet(files('path=big/octet.bin'));
    expect(raw.headers['content-length']).toBe(String(data.length));
    expect(sha256(raw.body)).toBe(sha256(data));
  });

  it('accepts gzip uploads and serves gzip when asked', async () => {
    const text = 'compressible '.repeat(1000);
    const upload = await fetch(files('path=gz.txt'), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
      body: gzipSync(text),
    });
    expect(upload.status).toBe(200);
    expect(readFileSync(join(fx.home, 'gz.txt'), 'utf8')).toBe(text);
    const raw = await rawGet(files('path=gz.txt'), { 'accept-encoding': 'gzip' });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(raw.body).toString()).toBe(text);
    const plain = await rawGet(files('path=gz.txt'));
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(text);
  });

  it('answers an empty file with content-length 0', async () => {
    await fetch(files('path=empty'), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: '' });
    const raw = await rawGet(files('path=empty'), { 'accept-encoding': 'gzip' });
    expect(raw.status).toBe(200);
    expect(raw.headers['content-length']).toBe('0');
  });

  it('maps errors to envd statuses with a JSON body', async () => {
    mkdirSync(join(fx.home, 'a-dir'), { recursive: true });
    const cases: [string, RequestInit | undefined, number][] = [
      [files('path=a-dir'), undefined, 400],
      [files('path=missing.txt'), undefined, 404],
      [files(''), undefined, 400],
      [files('path=x&username=ghost'), undefined, 401],
      [files('path=x&username=root'), undefined, 403],
      [files('path=link'), undefined, 403],
      [files(`path=${encodeURIComponent('../../secret/token')}`), undefined, 403],
      [files(`path=${encodeURIComponent('a\0b')}`), undefined, 400],
      [files(`path=${'n'.repeat(5000)}`), undefined, 400],
      [files(''), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'x' }, 400],
      [files('path=x'), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }, 400],
      [files(`path=${encodeURIComponent(join(fx.root, 'secret/planted'))}`), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'x' }, 403],
      [files('path=link'), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'overwrite' }, 403],
      [files('path=bad.gz'), { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }, body: 'not gzip at all' }, 400],
    ];
    for (const [url, init, status] of cases) {
      const response = await fetch(url, init);
      expect({ url, status: response.status }).toEqual({ url, status });
      expect(await response.json()).toMatchObject({ code: status, message: expect.any(String) });
    }
    expect(readFileSync(secretFile, 'utf8')).toBe('root only');
  });

  it('answers 507 when the disk is full', async () => {
    const small = join(fx.root, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=64k,uid=${TEST_UID}`, 'codebox-test', small], { stdio: 'ignore' });
    try {
      const response = await fetch(files(`path=${encodeURIComponent(join(small, 'big.bin'))}`), {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: randomBytes(512 * 1024),
      });
      expect(response.status).toBe(507);
      expect(await response.json()).toMatchObject({ code: 507, message: expect.stringContaining('disk space') });
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('selects the user from the Authorization header', async () => {
    expect((await fetch(files('path=x'), { headers: fx.auth('root') })).status).toBe(403);
    expect((await fetch(files('path=x'), { headers: fx.auth('ghost') })).status).toBe(401);
  });
});
