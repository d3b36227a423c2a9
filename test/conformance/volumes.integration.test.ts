import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as codebox from '@codebox/core-client';
import { Sandbox, Volume } from 'e2b';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeaks } from '../support/leak-check.js';
import { startRunner, type RunnerHandle } from '../support/runner.js';
import { pointClientsAt } from './clients.js';

// Named persistent volumes (E2B's /volumes, volumeMounts, /volumecontent) through the official SDK
// and raw HTTP. One runner: its restart is part of the story (a volume outlives it).
let runner: RunnerHandle;
const sandboxIds = new Set<string>();

beforeAll(async () => {
  runner = await startRunner({ env: { CODEBOX_VOLUME_SIZE_MIB: '64' } });
  pointClientsAt(runner.url, runner.keys[0]);
  // The SDKs send content requests to E2B_VOLUME_API_URL (else https://api.<domain>).
  process.env.E2B_VOLUME_API_URL = runner.url;
});
afterAll(async () => {
  await runner?.close();
});

const api = (path: string, init: RequestInit & { key?: string } = {}): Promise<Response> =>
  fetch(`${runner.url}${path}`, { ...init, headers: { 'X-API-KEY': init.key ?? runner.keys[0], 'content-type': 'application/json', ...init.headers } });

const content = (volume: { volumeId: string; token: string }, route: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${runner.url}/volumecontent/${volume.volumeId}/${route}`, { ...init, headers: { authorization: `Bearer ${volume.token}`, ...init.headers } });

async function sandboxWith(mounts: Record<string, Volume | string>): Promise<Sandbox> {
  const sandbox = await Sandbox.create('base', { volumeMounts: mounts });
  sandboxIds.add(sandbox.sandboxId);
  return sandbox;
}

async function sh(sandbox: Sandbox, cmd: string, user: 'user' | 'root' = 'user'): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return sandbox.commands.run(cmd, { user }).then(
    (ok) => ({ exitCode: ok.exitCode, stdout: ok.stdout, stderr: ok.stderr }),
    (error: { exitCode?: number; stdout?: string; stderr?: string }) => ({ exitCode: error.exitCode ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

describe('volume API', () => {
  it('creates, lists, gets and deletes volumes per API key, with E2B shapes and errors', async () => {
    const created = await api('/volumes', { method: 'POST', body: JSON.stringify({ name: 'shapes' }) });
    expect(created.status).toBe(201);
    const volume = (await created.json()) as { volumeID: string; name: string; token: string };
    expect(volume).toEqual({ volumeID: expect.stringMatching(/^vol-[0-9a-f]{24}$/), name: 'shapes', token: expect.stringMatching(/^cbv_/) });

    expect((await api('/volumes', { method: 'POST', body: JSON.stringify({ name: 'shapes' }) })).status).toBe(409);
    expect((await api('/volumes', { method: 'POST', body: JSON.stringify({ name: 'no spaces' }) })).status).toBe(400);
    // Names are per key: the other tenant may use the same one, and sees none of ours.
    const other = await api('/volumes', { method: 'POST', key: runner.keys[1], body: JSON.stringify({ name: 'shapes' }) });
    expect(other.status).toBe(201);
    const otherVolume = (await other.json()) as { volumeID: string };
    expect((await api(`/volumes/${volume.volumeID}`, { key: runner.keys[1] })).status).toBe(404);
    expect((await api(`/volumes/${volume.volumeID}`, { method: 'DELETE', key: runner.keys[1] })).status).toBe(404);

    expect(await (await api('/volumes')).json()).toEqual([{ volumeID: volume.volumeID, name: 'shapes' }]);
    expect(await (await api(`/volumes/${volume.volumeID}`)).json()).toEqual(volume);

    // volumeMounts are checked by field before anything is made.
    const create = (volumeMounts: unknown): Promise<Response> =>
      api('/sandboxes', { method: 'POST', body: JSON.stringify({ templateID: 'base', volumeMounts }) });
    for (const [mounts, status, words] of [
      [[{ name: 'shapes', path: 'relative' }], 400, 'absolute'],
      [[{ name: 'shapes', path: '/' }], 400, '"/"'],
      [[{ name: 'shapes', path: '/proc/x' }], 400, '/proc'],
      [[{ name: 'shapes', path: '/run/codebox/x' }], 400, '/run/codebox'],
      [[{ name: 'shapes', path: '/mnt/a' }, { name: 'shapes', path: '/mnt/a/' }], 400, 'twice'],
      [[{ name: 'shapes', path: '/mnt/a', readOnly: true }], 400, 'readOnly'],
      [[{ name: 'missing', path: '/mnt/a' }], 404, '"missing"'],
    ] as const) {
      const res = await create(mounts);
      expect(res.status, JSON.stringify(mounts)).toBe(status);
      expect(((await res.json()) as { message: string }).message).toContain(words);
    }

    expect((await api(`/volumes/${volume.volumeID}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/volumes/${volume.volumeID}`)).status).toBe(404);
    expect(existsSync(join(runner.dataDir, 'volumes', volume.volumeID))).toBe(false);
    expect((await api(`/volumes/${otherVolume.volumeID}`, { method: 'DELETE', key: runner.keys[1] })).status).toBe(204);
  });
});

describe('volumes in sandboxes', () => {
  it('a file written by one sandbox survives it and a runner restart, and the next sandbox (another uid) owns it', async () => {
    const volume = await Volume.create('story');
    const a = await sandboxWith({ '/mnt/data': volume });
    expect(await sh(a, 'echo from-a > /mnt/data/a.txt && mkdir /mnt/data/dir && echo deep > /mnt/data/dir/f')).toMatchObject({ exitCode: 0 });
    const info = await Sandbox.getInfo(a.sandboxId);
    expect(info.volumeMounts).toEqual([{ name: 'story', path: '/mnt/data' }]);
    // On the volume the file has the canonical owner (1000), not A's host uid.
    expect(await volume.getInfo('/a.txt')).toMatchObject({ type: 'file', uid: 1000, gid: 1000, size: 7 });

    // Deleting a mounted volume is refused; the data stays.
    const busy = await api(`/volumes/${volume.volumeId}`, { method: 'DELETE' });
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { message: string }).message).toContain(a.sandboxId);

    await a.kill();
    // Sandboxes without root this time: B's `user` is one host uid, A's was a uid block.
    await runner.restart({ env: { CODEBOX_ROOT_ACCESS: 'false' } });
    const b = await sandboxWith({ '/home/user/vol': 'story' });
    expect((await Sandbox.getInfo(b.sandboxId)).volumeMounts).toEqual([{ name: 'story', path: '/home/user/vol' }]);
    const read = await sh(b, 'cat /home/user/vol/a.txt /home/user/vol/dir/f && echo from-b >> /home/user/vol/a.txt && echo b > /home/user/vol/b.txt && stat -c %U /home/user/vol/a.txt');
    expect(read).toMatchObject({ exitCode: 0, stdout: 'from-a\ndeep\nuser\n' });
    expect(await volume.readFile('/a.txt')).toBe('from-a\nfrom-b\n');
    expect(await volume.readFile('/b.txt')).toBe('b\n');
    expect(await volume.getInfo('/b.txt')).toMatchObject({ uid: 1000, gid: 1000 });

    // Two sandboxes at once: C sees what B writes.
    const c = await sandboxWith({ '/mnt/shared': volume });
    expect(await sh(b, 'echo together > /home/user/vol/shared.txt')).toMatchObject({ exitCode: 0 });
    expect(await sh(c, 'cat /mnt/shared/shared.txt')).toMatchObject({ exitCode: 0, stdout: 'together\n' });

    // The size limit: ENOSPC inside the sandbox; the sandbox and the volume keep working.
    const full = await sh(c, 'dd if=/dev/zero of=/mnt/shared/big bs=1M count=200 2>&1; echo exit=$?');
    expect(full.stdout).toMatch(/No space left on device/);
    expect(await sh(c, 'rm /mnt/shared/big && echo ok > /mnt/shared/after.txt && cat /mnt/shared/after.txt')).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
    expect(await sh(c, 'echo home-still-works > ~/x && cat ~/x')).toMatchObject({ exitCode: 0, stdout: 'home-still-works\n' });

    await b.kill();
    await c.kill();
    expect(await Volume.destroy(volume.volumeId)).toBe(true);
    expect(existsSync(join(runner.dataDir, 'volumes', volume.volumeId))).toBe(false);
    expect(findLeaks({ runnerName: runner.runnerName, dataDir: runner.dataDir, known: sandboxIds, ignoreFiles: ['dev-api-key', 'volumes'] }).filter((line) => /volume|mount|loop/.test(line))).toEqual([]);
  });
});

describe('volume content API', () => {
  it('reads, writes, lists and deletes without a sandbox, confined to the volume', async () => {
    const volume = await Volume.create('content');
    await volume.makeDir('/nested/deep', { force: true });
    await volume.writeFile('/nested/deep/f.txt', 'hello');
    await expect(volume.writeFile('/nested/deep/f.txt', 'again')).rejects.toThrow();
    await volume.writeFile('/nested/deep/f.txt', 'again', { force: true });
    expect(await volume.readFile('/nested/deep/f.txt')).toBe('again');
    await volume.writeFile('/owned.txt', 'x', { uid: 1001, gid: 1002, mode: 0o640 });
    expect(await volume.getInfo('/owned.txt')).toMatchObject({ uid: 1001, gid: 1002, mode: 0o640, path: '/owned.txt', name: 'owned.txt' });
    expect(await volume.updateMetadata('/owned.txt', { mode: 0o600 })).toMatchObject({ mode: 0o600 });
    expect((await volume.list('/', { depth: 3 })).map((entry) => entry.path).sort()).toEqual(['/nested', '/nested/deep', '/nested/deep/f.txt', '/owned.txt']);
    expect(await volume.exists('/nope')).toBe(false);

    // A large body streams both ways (20 MiB).
    const big = new Uint8Array(20 * 1024 * 1024).map((_, i) => i % 251);
    await volume.writeFile('/big.bin', new Blob([big]));
    const back = new Uint8Array(await (await content(volume, 'file?path=/big.bin')).arrayBuffer());
    expect(back.length).toBe(big.length);
    expect(Buffer.compare(Buffer.from(back), Buffer.from(big))).toBe(0);

    // Symlinks a sandbox plants are never followed by the runner (which works as root on the host).
    const sandbox = await sandboxWith({ '/mnt/c': volume });
    expect(await sh(sandbox, 'ln -s /etc /mnt/c/etc-link && ln -s /etc/passwd /mnt/c/passwd-link && ln -s / /mnt/c/nested/up')).toMatchObject({ exitCode: 0 });
    for (const path of ['/etc-link/passwd', '/passwd-link', '/nested/up/etc/passwd']) {
      const res = await content(volume, `file?path=${encodeURIComponent(path)}`);
      expect(res.status, path).toBe(400);
    }
    expect((await content(volume, `file?path=${encodeURIComponent('/etc-link/x')}`, { method: 'PUT', body: 'x' })).status).toBe(400);
    expect((await content(volume, `dir?path=${encodeURIComponent('/etc-link')}`)).status).toBe(400);
    expect((await content(volume, `path?path=${encodeURIComponent('/../../etc/passwd')}`)).status).toBe(400);
    expect(await volume.getInfo('/passwd-link')).toMatchObject({ type: 'symlink', target: '/etc/passwd' });
    await volume.remove('/passwd-link');
    await volume.remove('/etc-link');
    expect(existsSync('/etc/passwd') && readFileSync('/etc/passwd', 'utf8').length > 0).toBe(true);
    await volume.remove('/nested');
    expect(await volume.exists('/nested')).toBe(false);

    // The token is the volume's own: a wrong one is 401, another volume's id 404.
    expect((await fetch(`${runner.url}/volumecontent/${volume.volumeId}/path?path=/`, { headers: { authorization: 'Bearer cbv_wrong' } })).status).toBe(401);
    expect((await fetch(`${runner.url}/volumecontent/${volume.volumeId}/path?path=/`)).status).toBe(401);
    expect((await content({ volumeId: 'vol-000000000000000000000000', token: volume.token }, 'path?path=/')).status).toBe(404);

    await sandbox.kill();
    expect(await Volume.destroy(volume.volumeId)).toBe(true);
  });
});

describe('the Codebox client\'s Volume', () => {
  it('does what e2b\'s does, reaching the content API at the runner by default', async () => {
    // No E2B_VOLUME_API_URL: the client's default is the runner's own URL.
    const saved = process.env.E2B_VOLUME_API_URL;
    delete process.env.E2B_VOLUME_API_URL;
    try {
      const volume = await codebox.Volume.create('ours');
      expect(await codebox.Volume.list()).toContainEqual({ volumeId: volume.volumeId, name: 'ours' });
      expect(await codebox.Volume.getInfo(volume.volumeId)).toEqual({ volumeId: volume.volumeId, name: 'ours', token: volume.token });
      await expect(codebox.Volume.create('ours')).rejects.toBeInstanceOf(codebox.VolumeError);
      await expect(codebox.Volume.getInfo('vol-000000000000000000000000')).rejects.toBeInstanceOf(codebox.VolumeNotFoundError);

      const connected = await codebox.Volume.connect(volume.volumeId);
      await connected.makeDir('/d');
      expect(await connected.writeFile('/d/f.txt', 'text', { mode: 0o640 })).toMatchObject({ type: codebox.VolumeFileType.FILE, mode: 0o640, uid: 1000 });
      await expect(connected.writeFile('/d/f.txt', 'again')).rejects.toBeInstanceOf(codebox.VolumeError);
      await expect(connected.readFile('/missing')).rejects.toBeInstanceOf(codebox.VolumePathNotFoundError);
      expect(await connected.readFile('/d/f.txt', { format: 'bytes' })).toEqual(new TextEncoder().encode('text'));
      expect((await connected.list('/')).map((entry) => entry.name)).toEqual(['d']);
      expect(await connected.updateMetadata('/d/f.txt', { mode: 0o644 })).toMatchObject({ mode: 0o644 });

      const sandbox = await codebox.Sandbox.create('base', { volumeMounts: { '/mnt/ours': volume } });
      sandboxIds.add(sandbox.sandboxId);
      expect((await sandbox.getInfo()).volumeMounts).toEqual([{ name: 'ours', path: '/mnt/ours' }]);
      expect((await sandbox.commands.run('cat /mnt/ours/d/f.txt && echo more >> /mnt/ours/d/f.txt')).stdout).toBe('text');
      expect(await connected.readFile('/d/f.txt')).toBe('textmore\n');
      await expect(codebox.Volume.destroy(volume.volumeId)).rejects.toMatchObject({ name: 'VolumeError', statusCode: 409 });
      await sandbox.kill();

      await connected.remove('/d');
      expect(await connected.exists('/d')).toBe(false);
      expect(await codebox.Volume.destroy(volume.volumeId)).toBe(true);
      expect(await codebox.Volume.destroy(volume.volumeId)).toBe(false);
    } finally {
      process.env.E2B_VOLUME_API_URL = saved;
    }
  });
});
