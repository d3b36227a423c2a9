import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `<dataDir>/sandboxes/<id>/uid`: the host uid a sandbox holds, so removing its files can
 * free the uid without asking Docker (the container may be gone already). The container's
 * `codebox.uid` label says the same for anyone inspecting it.
 */
export async function writeSandboxUidFile(sandboxDir: string, uid: number): Promise<void> {
  await writeFile(join(sandboxDir, 'uid'), `${uid}\n`, { mode: 0o600, flag: 'wx' });
}

export async function readSandboxUidFile(sandboxDir: string): Promise<number | undefined> {
  const text = await readFile(join(sandboxDir, 'uid'), 'utf8').catch(() => undefined);
  const uid = Number(text?.trim());
  return text !== undefined && Number.isSafeInteger(uid) && uid > 0 ? uid : undefined;
}
