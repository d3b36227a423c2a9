import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox as CodeboxSandbox } from '@codebox/core-client';
import { useRunner } from '../support/use-runner.js';
import { clients } from './clients.js';

const runner = useRunner();

/** A signed URL as a browser or curl would use it: no headers, no API key. */
async function plainFetch(url: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: await res.text() };
}

function uploadForm(content: string): FormData {
  const form = new FormData();
  form.append('file', content);
  return form;
}

/** Flips one character of the signature, keeping its shape. */
function tamper(url: string): string {
  const parsed = new URL(url);
  const signature = parsed.searchParams.get('signature') ?? '';
  const last = signature.at(-1) === 'A' ? 'B' : 'A';
  parsed.searchParams.set('signature', `${signature.slice(0, -1)}${last}`);
  return parsed.toString();
}

/**
 * `uploadUrl()` / `downloadUrl()`: URLs on E2B_SANDBOX_URL that name no sandbox; the runner finds
 * the sandbox whose access token made the signature (E2B's js-sdk tests/sandbox/files/signing.test.ts,
 * secure.test.ts; python tests/sync/sandbox_sync/files/test_secured.py).
 */
describe.each(clients)('signed file URLs ($name client)', ({ module }) => {
  const { Sandbox } = module;
  let sandbox: CodeboxSandbox;
  beforeAll(async () => {
    sandbox = await Sandbox.create('base', { secure: true });
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  it('downloads through downloadUrl, with and without an expiration', async () => {
    await sandbox.files.write('hello.txt', 'hello world');
    const url = await sandbox.downloadUrl('hello.txt');
    expect(url.startsWith(runner().url)).toBe(true);
    expect(new URL(url).searchParams.get('signature')).toMatch(/^v1_/);
    expect(await plainFetch(url)).toEqual({ status: 200, body: 'hello world' });
    const expiring = await sandbox.downloadUrl('hello.txt', { useSignatureExpiration: 10_000 });
    expect(new URL(expiring).searchParams.get('signature_expiration')).toMatch(/^[0-9]+$/);
    expect(await plainFetch(expiring)).toEqual({ status: 200, body: 'hello world' });
  });

  it('uploads through uploadUrl with a plain multipart POST', async () => {
    const url = await sandbox.uploadUrl('uploaded.txt', { useSignatureExpiration: 10_000 });
    const res = await plainFetch(url, { method: 'POST', body: uploadForm('file content') });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual([{ name: 'uploaded.txt', path: '/home/user/uploaded.txt', type: 'file' }]);
    expect(await sandbox.files.read('uploaded.txt')).toBe('file content');
  });

  it('answers an expired signature as envd does', async () => {
    await sandbox.files.write('hello.txt', 'hello world');
    const download = await plainFetch(await sandbox.downloadUrl('hello.txt', { useSignatureExpiration: -10_000 }));
    const upload = await plainFetch(await sandbox.uploadUrl('hello.txt', { useSignatureExpiration: -100_000 }), { method: 'POST', body: uploadForm('x') });
    for (const res of [download, upload]) {
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toEqual({ code: 401, message: 'signature is already expired' });
    }
    expect(await sandbox.files.read('hello.txt')).toBe('hello world');
  });

  it('refuses a tampered signature, another path, and a download URL used to upload', async () => {
    await sandbox.files.write('hello.txt', 'hello world');
    const url = await sandbox.downloadUrl('hello.txt', { useSignatureExpiration: 10_000 });
    const tampered = await plainFetch(tamper(url));
    expect(tampered.status).toBe(401);
    expect(JSON.parse(tampered.body)).toEqual({ code: 401, message: 'invalid signature' });

    const otherPath = new URL(url);
    otherPath.searchParams.set('path', '/etc/passwd');
    expect((await plainFetch(otherPath.toString())).status).toBe(401);

    const asUpload = await plainFetch(url, { method: 'POST', body: uploadForm('overwritten') });
    expect(asUpload.status).toBe(401);
    expect(await sandbox.files.read('hello.txt')).toBe('hello world');
  });

  it('with an API key, finds only that tenant\'s sandboxes', async () => {
    const [keyA, keyB] = runner().keys;
    await sandbox.files.write('hello.txt', 'hello world');
    const url = await sandbox.downloadUrl('hello.txt');
    expect((await plainFetch(url, { headers: { 'X-API-KEY': keyA } })).status).toBe(200);
    const otherTenant = await plainFetch(url, { headers: { 'X-API-KEY': keyB } });
    expect(otherTenant.status).toBe(401);
    expect(JSON.parse(otherTenant.body)).toEqual({ code: 401, message: 'invalid signature' });
  });

  it('stops working when the sandbox is gone', async () => {
    const short = await Sandbox.create('base', { secure: true });
    await short.files.write('bye.txt', 'bye');
    const url = await short.downloadUrl('bye.txt');
    expect((await plainFetch(url)).status).toBe(200);
    await short.kill();
    expect((await plainFetch(url)).status).toBe(401);
  });
});

describe('/files without a sandbox id or signature', () => {
  it('says that the URL names no sandbox instead of asking for an API key', async () => {
    const res = await plainFetch(`${runner().url}/files?path=hello.txt`);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).message).toMatch(/^missing signature query parameter: this \/files URL names no sandbox/);
    const wrongMethod = await plainFetch(`${runner().url}/files?path=x&signature=v1_x`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
  });
});
