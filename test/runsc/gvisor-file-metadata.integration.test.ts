import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, SandboxError } from 'e2b';
import { startRunner, type RunnerHandle } from '../support/runner.js';

/**
 * What a runsc sandbox does with file metadata (the runsc exclusion `file-metadata-gvisor-xattrs`):
 * the Debian gVisor has no xattrs on /home/user, so metadata cannot be kept there. It is refused
 * with envd's unimplemented status before anything is written, never dropped silently, and
 * writes without metadata work as anywhere.
 */
let runner: RunnerHandle;
let opts: { apiKey: string; apiUrl: string; sandboxUrl: string };

beforeAll(async () => {
  runner = await startRunner({ env: { CODEBOX_RUNTIME: 'runsc' } });
  opts = { apiKey: runner.keys[0], apiUrl: runner.url, sandboxUrl: runner.url };
});
afterAll(async () => {
  await runner?.close();
});

describe('file metadata in a runsc sandbox', () => {
  it('refuses metadata with a typed error and writes nothing; plain writes work', async () => {
    const sandbox = await Sandbox.create('base', opts);
    try {
      const refused = await sandbox.files.write('meta.txt', 'content', { metadata: { author: 'mish' } }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(SandboxError);
      expect(String((refused as Error).message)).toMatch(/^501: file metadata cannot be kept for '\/home\/user\/meta\.txt'.*no extended attributes/);
      expect(await sandbox.files.exists('meta.txt')).toBe(false);

      const plain = await sandbox.files.write('plain.txt', 'content');
      expect(plain.metadata).toBeUndefined();
      expect(await sandbox.files.read('plain.txt')).toBe('content');
      expect((await sandbox.files.getInfo('plain.txt')).metadata).toBeUndefined();
    } finally {
      await sandbox.kill();
    }
  });
});
