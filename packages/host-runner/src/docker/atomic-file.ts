import { rename, rm, writeFile } from 'node:fs/promises';

/** Writes via a temp file and rename, so a crash leaves the old content or the new, never half. Mode 0600. */
export async function writeFileAtomically(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, content, { mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    // A full disk can create the file and fail the write: leave no temp file behind.
    await rm(tmp, { force: true });
    throw err;
  }
}
