/**
 * The same calls made with the official `e2b` SDK and with this client against one fake
 * runner: the SDK must work against the fake (so the fake is faithful to E2B's wire), and this
 * client must send what the SDK sends.
 */
import { Sandbox as E2BSandbox } from 'e2b';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, FakeRunner, type RecordedRequest } from '../test/fake-runner.js';
import { Sandbox } from './index.js';

const runner = new FakeRunner();
let ours: Sandbox;
let theirs: E2BSandbox;

beforeAll(async () => {
  await runner.start();
  const opts = { apiKey: API_KEY, apiUrl: runner.url, sandboxUrl: runner.url };
  ours = await Sandbox.create(opts);
  theirs = await E2BSandbox.create(opts);
});
afterAll(() => runner.stop());

/** Headers that define the wire, leaving out transport details that legitimately differ. */
function wireHeaders(req: RecordedRequest | undefined): Record<string, string | string[] | undefined> {
  const ignored = new Set(['user-agent', 'host', 'connection', 'content-length', 'accept', 'accept-language', 'sec-fetch-mode', 'accept-encoding', 'transfer-encoding']);
  return Object.fromEntries(
    Object.entries(req?.headers ?? {})
      .filter(([name]) => !ignored.has(name))
      .map(([name, value]) => [name, name === 'e2b-sandbox-id' ? '<id>' : value]),
  );
}

async function lastGatewayRequest<T>(path: string, call: () => Promise<T>): Promise<[T, RecordedRequest | undefined]> {
  const result = await call();
  return [result, runner.gatewayRequests().filter((r) => r.url.split('?')[0] === path).at(-1)];
}

describe('wire parity with the official e2b SDK', () => {
  it('commands.run', async () => {
    const [a, reqA] = await lastGatewayRequest('/process.Process/Start', () => ours.commands.run('echo hi'));
    const [b, reqB] = await lastGatewayRequest('/process.Process/Start', () => theirs.commands.run('echo hi'));
    expect(a).toEqual({ exitCode: 0, stdout: 'hi\n', stderr: '' });
    expect({ ...b }).toMatchObject(a);
    expect(wireHeaders(reqA)).toEqual(wireHeaders(reqB));
  });

  it('pty.create: the same Start request headers, and the terminal bytes reach onData', async () => {
    const create = async (sandbox: Sandbox | E2BSandbox): Promise<{ bytes: number; exitCode: number | undefined }> => {
      let bytes = 0;
      // `bash -i` with no terminal and no input prints its prompt and exits 0 at once here.
      const handle = await sandbox.pty.create({ cols: 80, rows: 24, onData: (data: Uint8Array) => void (bytes += data.byteLength), envs: { A: '1' } });
      await handle.wait();
      return { bytes, exitCode: handle.exitCode };
    };
    const [a, reqA] = await lastGatewayRequest('/process.Process/Start', () => create(ours));
    const [b, reqB] = await lastGatewayRequest('/process.Process/Start', () => create(theirs));
    for (const result of [a, b]) {
      expect(result.exitCode).toBe(0);
      expect(result.bytes).toBeGreaterThan(0);
    }
    expect(wireHeaders(reqA)).toEqual(wireHeaders(reqB));
  });

  it('files.write and files.read', async () => {
    const [, writeA] = await lastGatewayRequest('/files', () => ours.files.write('/home/user/p.txt', 'ours'));
    const [, writeB] = await lastGatewayRequest('/files', () => theirs.files.write('/home/user/q.txt', 'theirs'));
    expect(writeA?.url.replace('p.txt', 'X')).toBe(writeB?.url.replace('q.txt', 'X'));
    expect(await theirs.files.read('/home/user/p.txt')).toBe('ours');
    expect(await ours.files.read('/home/user/q.txt')).toBe('theirs');
  });

  it('files.list and getInfo return the same shapes', async () => {
    expect(await ours.files.list('/home/user')).toEqual(await theirs.files.list('/home/user'));
    const [a, reqA] = await lastGatewayRequest('/filesystem.Filesystem/Stat', () => ours.files.getInfo('/home/user/p.txt'));
    const [b, reqB] = await lastGatewayRequest('/filesystem.Filesystem/Stat', () => theirs.files.getInfo('/home/user/p.txt'));
    expect(a).toEqual(b);
    expect(wireHeaders(reqA)).toEqual(wireHeaders(reqB));
  });

  it('getInfo and list describe sandboxes alike', async () => {
    const a = await Sandbox.getInfo(ours.sandboxId, { apiKey: API_KEY, apiUrl: runner.url });
    // `apiUrl` is an @internal option in `e2b`'s types, but honoured at run time.
    const e2bOpts = { apiKey: API_KEY, apiUrl: runner.url } as Parameters<typeof E2BSandbox.getInfo>[1];
    const b = await E2BSandbox.getInfo(ours.sandboxId, e2bOpts);
    expect(b).toMatchObject(a);
  });
});
