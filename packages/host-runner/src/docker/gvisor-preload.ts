import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GVISOR_COMPAT_LIBRARY } from '@codebox/protocol';

/**
 * Writes the sandbox's /etc/ld.so.preload (runsc only; container-spec binds it read-only): one
 * line naming the statx shim every template carries. Beside the renumbered passwd/group, so it
 * goes with the sandbox's other files.
 */
export async function writeGvisorPreload(sandboxDir: string): Promise<string> {
  const path = join(sandboxDir, 'etc', 'ld.so.preload');
  await writeFile(path, `${GVISOR_COMPAT_LIBRARY}\n`, { mode: 0o644, flag: 'wx' });
  return path;
}
