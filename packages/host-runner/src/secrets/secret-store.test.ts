import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretNameTakenError, SecretNotFoundError } from './errors.js';
import { SecretsFileError, SecretStore } from './secret-store.js';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'codebox-secret-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('SecretStore', () => {
  it('keeps names unique per tenant (case-insensitively), counts versions and resolves the current value', async () => {
    const store = SecretStore.empty(await freshDir());
    const created = await store.create('t1', { name: 'Key', value: 'v1', metadata: {} });
    await expect(store.create('t1', { name: 'KEY', value: 'x', metadata: {} })).rejects.toBeInstanceOf(SecretNameTakenError);
    await store.create('t2', { name: 'key', value: 'other', metadata: {} });
    expect((await store.update('t1', 'key', { value: 'v2' })).currentVersion).toBe(2);
    expect(store.resolve('t1', 'KEY')).toBe('v2');
    expect(store.resolve('t2', 'key')).toBe('other');
    expect(() => store.get('t2', created.secretId)).toThrow(SecretNotFoundError);
  });

  it('refuses to start on a file it cannot parse, without quoting it', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'secrets.json'), '{"format":1,"tenants":{"t":[{"value":"sk-in-a-broken-file"');
    const error = await SecretStore.open(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretsFileError);
    expect((error as Error).message).not.toContain('sk-in-a-broken-file');
  });

  it('writes the file 0600 and puts memory back when a write fails', async () => {
    const dir = await freshDir();
    const store = await SecretStore.open(dir);
    await store.create('t', { name: 'kept', value: 'v1', metadata: {} });
    expect((await stat(join(dir, 'secrets.json'))).mode & 0o777).toBe(0o600);
    // A directory where the temporary file goes: the write fails for root too (EISDIR).
    await mkdir(join(dir, `secrets.json.${process.pid}.tmp`));
    await expect(store.create('t', { name: 'lost', value: 'v', metadata: {} })).rejects.toThrow();
    await expect(store.update('t', 'kept', { value: 'v2' })).rejects.toThrow();
    expect(store.list('t').map((info) => [info.name, info.currentVersion])).toEqual([['kept', 1]]);
    expect(store.resolve('t', 'kept')).toBe('v1');
  });
});
