import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from './content-hash.js';
import { AgentBundleInvalidError, AgentBundleMissingError } from './errors.js';
import { loadKernelTree } from './kernel-files.js';

const root = await mkdtemp(join(tmpdir(), 'codebox-kernels-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function tree(name: string, files: Record<string, { text: string; mode: number }>): Promise<string> {
  const dir = join(root, name);
  for (const [path, { text, mode }] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
    await chmod(join(dir, path), mode);
  }
  return dir;
}

describe('loadKernelTree', () => {
  it('reads every file with its bytes and hash, keeping only whether it is executable, in path order', async () => {
    const dir = await tree('built', {
      'r/bridge.R': { text: 'cat(1)', mode: 0o600 },
      'bash/bridge.sh': { text: 'echo hi', mode: 0o700 },
      'python/bridge.py': { text: 'print(1)', mode: 0o664 },
      'python/helpers/fmt.py': { text: 'x', mode: 0o444 },
      'java/run': { text: '#!/bin/sh', mode: 0o751 },
    });
    const kernels = await loadKernelTree(dir);
    expect(kernels.directories).toEqual(['bash', 'java', 'python', 'python/helpers', 'r']);
    expect(kernels.files.map((f) => [f.path, f.mode.toString(8)])).toEqual([
      ['bash/bridge.sh', '755'],
      ['java/run', '755'],
      ['python/bridge.py', '644'],
      ['python/helpers/fmt.py', '644'],
      ['r/bridge.R', '644'],
    ]);
    const r = kernels.files.at(-1);
    expect(r?.content.toString()).toBe('cat(1)');
    expect(r?.sha256).toBe(sha256Hex('cat(1)'));
  });

  it('says to build the agent package when the directory is missing', async () => {
    const error = await loadKernelTree(join(root, 'not-built')).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AgentBundleMissingError);
    expect(error).toMatchObject({ name: 'AgentBundleMissingError', path: join(root, 'not-built') });
    expect((error as Error).message).toMatch(/kernels directory .* is missing at .*not-built; build it with `npm run build -w packages\/sandbox-agent`/);
  });

  it('refuses an empty directory and anything that is not a file or directory', async () => {
    await mkdir(join(root, 'empty', 'python'), { recursive: true });
    await expect(loadKernelTree(join(root, 'empty'))).rejects.toThrow(/holds no kernel files.*npm run build -w packages\/sandbox-agent/);
    const dir = await tree('linked', { 'python/bridge.py': { text: 'print(1)', mode: 0o644 } });
    await symlink('/etc/passwd', join(dir, 'python', 'passwd'));
    const error = await loadKernelTree(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AgentBundleInvalidError);
    expect((error as Error).message).toContain(`${join(dir, 'python', 'passwd')} is neither a regular file nor a directory`);
  });
});
