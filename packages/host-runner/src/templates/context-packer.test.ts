import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INJECTED_DOCKERFILE, packBuildContext } from './context-packer.js';
import { TemplateContextError } from './errors.js';
import { readTar, type TarEntry } from './testing/read-tar.js';

const dir = await mkdtemp(join(tmpdir(), 'codebox-ctx-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function unpack(stream: NodeJS.ReadableStream): Promise<Map<string, TarEntry>> {
  return new Map((await readTar(stream)).map((entry) => [entry.name, entry]));
}

describe('packBuildContext', () => {
  it('packs files, directories and symlinks (unfollowed) plus the injected Dockerfile', async () => {
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'a.txt'), 'hello');
    await writeFile(join(dir, 'Dockerfile'), 'FROM original');
    await symlink('/etc/passwd', join(dir, 'link'));
    const entries = await unpack(await packBuildContext(dir, 'FROM codebox/base:latest\n'));
    expect(entries.get('sub')?.type).toBe('directory');
    expect(entries.get('sub/a.txt')?.body.toString()).toBe('hello');
    expect(entries.get('Dockerfile')?.body.toString()).toBe('FROM original');
    expect(entries.get('link')).toMatchObject({ type: 'symlink', linkname: '/etc/passwd' });
    expect(entries.get(INJECTED_DOCKERFILE)?.body.toString()).toBe('FROM codebox/base:latest\n');
  });

  it('refuses a context that is not a directory', async () => {
    await expect(packBuildContext(join(dir, 'nope'), 'FROM x')).rejects.toBeInstanceOf(TemplateContextError);
  });
});
