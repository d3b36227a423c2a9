import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../test/fake-runner.js';
import { useFakeSandbox } from '../../test/use-fake-sandbox.js';
import { FileNotFoundError, InvalidArgumentError } from '../errors.js';
import { FileType } from './entry-info.js';

const fixture = useFakeSandbox();
const { runner } = fixture;

function lastFilesRequest() {
  return runner.gatewayRequests().filter((r) => r.url.startsWith('/files')).at(-1);
}

describe('fixture.sandbox.files', () => {
  it('writes and reads text as multipart with the sandbox headers', async () => {
    const info = await fixture.sandbox.files.write('/home/user/a/hello.txt', 'hello\n');
    expect(info).toEqual({ name: 'hello.txt', path: '/home/user/a/hello.txt', type: FileType.FILE });
    const req = lastFilesRequest();
    expect(req?.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(req?.headers['e2b-sandbox-id']).toBe(fixture.sandbox.sandboxId);
    expect(req?.url).toBe('/files?path=%2Fhome%2Fuser%2Fa%2Fhello.txt');
    expect(await fixture.sandbox.files.read('/home/user/a/hello.txt')).toBe('hello\n');
  });

  it('round-trips 5 MiB of random bytes in every read format', async () => {
    const data = new Uint8Array(randomBytes(5 * 1024 * 1024));
    await fixture.sandbox.files.write('/home/user/blob.bin', data);
    const bytes = await fixture.sandbox.files.read('/home/user/blob.bin', { format: 'bytes' });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(sha256(bytes)).toBe(sha256(data));
    const blob = await fixture.sandbox.files.read('/home/user/blob.bin', { format: 'blob' });
    expect(sha256(new Uint8Array(await blob.arrayBuffer()))).toBe(sha256(data));
    const stream = await fixture.sandbox.files.read('/home/user/blob.bin', { format: 'stream' });
    expect(sha256(new Uint8Array(await new Response(stream).arrayBuffer()))).toBe(sha256(data));
  });

  it('accepts ArrayBuffer, a Buffer view, Blob and ReadableStream (streamed as octet-stream)', async () => {
    const backing = Buffer.from('xxpartyy');
    await fixture.sandbox.files.write('view.txt', backing.subarray(2, 6));
    expect(await fixture.sandbox.files.read('view.txt')).toBe('part');
    await fixture.sandbox.files.write('ab.txt', new TextEncoder().encode('ab').buffer);
    expect(await fixture.sandbox.files.read('ab.txt')).toBe('ab');
    await fixture.sandbox.files.write('blob.txt', new Blob(['blob']));
    expect(await fixture.sandbox.files.read('blob.txt')).toBe('blob');
    await fixture.sandbox.files.write('stream.txt', new Blob(['streamed']).stream());
    expect(lastFilesRequest()?.headers['content-type']).toBe('application/octet-stream');
    expect(await fixture.sandbox.files.read('/home/user/stream.txt')).toBe('streamed');
  });

  it('writes several files in one multipart request', async () => {
    const infos = await fixture.sandbox.files.write([
      { path: '/home/user/m/1.txt', data: 'one' },
      { path: '/home/user/m/2.txt', data: 'two' },
    ]);
    expect(infos.map((i) => i.path)).toEqual(['/home/user/m/1.txt', '/home/user/m/2.txt']);
    expect(lastFilesRequest()?.url).toBe('/files');
    expect(await fixture.sandbox.files.read('/home/user/m/2.txt')).toBe('two');
    expect(await fixture.sandbox.files.write([])).toEqual([]);
  });

  it('lists, stats, renames and removes', async () => {
    await fixture.sandbox.files.write('/home/user/d/x.txt', 'x');
    expect(await fixture.sandbox.files.makeDir('/home/user/d/sub')).toBe(true);
    expect(await fixture.sandbox.files.makeDir('/home/user/d/sub')).toBe(false);
    const entries = await fixture.sandbox.files.list('/home/user/d');
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['sub', FileType.DIR],
      ['x.txt', FileType.FILE],
    ]);
    const x = entries[1];
    expect(x).toMatchObject({ path: '/home/user/d/x.txt', size: 1, owner: 'user', permissions: '-rw-r--r--' });
    expect(x?.modifiedTime).toBeInstanceOf(Date);

    const moved = await fixture.sandbox.files.rename('/home/user/d/x.txt', '/home/user/d/y.txt');
    expect(moved).toMatchObject({ name: 'y.txt', path: '/home/user/d/y.txt', type: FileType.FILE });
    expect(await fixture.sandbox.files.exists('/home/user/d/x.txt')).toBe(false);
    expect((await fixture.sandbox.files.getInfo('/home/user/d/y.txt')).size).toBe(1);
    await fixture.sandbox.files.remove('/home/user/d/y.txt');
    expect(await fixture.sandbox.files.exists('/home/user/d/y.txt')).toBe(false);
  });

  it('maps missing paths to FileNotFoundError over HTTP and RPC', async () => {
    await expect(fixture.sandbox.files.read('/nope')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(fixture.sandbox.files.getInfo('/nope')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(fixture.sandbox.files.list('/nope')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(fixture.sandbox.files.remove('/nope')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(fixture.sandbox.files.list('/', { depth: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  // The events are the agent's (filesystem.integration.test.ts checks them against the real one);
  // here the wire and the client's stop/onExit handling.
  it('opens a watch with the keepalive header and ends it on stop without an error', async () => {
    await fixture.sandbox.files.makeDir('/home/user/w');
    let exited: { err: Error | undefined } | undefined;
    const handle = await fixture.sandbox.files.watchDir('/home/user/w', () => undefined, {
      onExit: (err) => {
        exited = { err };
      },
    });
    const watchReq = runner.gatewayRequests().find((r) => r.url === '/filesystem.Filesystem/WatchDir');
    expect(watchReq?.headers['keepalive-ping-interval']).toBe('50');
    await handle.stop();
    await expect.poll(() => exited).toEqual({ err: undefined });
  });

  it('reports a watch of a missing directory as FileNotFoundError', async () => {
    await expect(fixture.sandbox.files.watchDir('/home/user/none', () => undefined)).rejects.toBeInstanceOf(FileNotFoundError);
  });
});
