import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/** Reads `<dataDir>/sandboxes/<id>/expires-at` (ms since epoch); undefined when absent or unreadable. */
export async function readExpiryFile(path: string): Promise<Date | undefined> {
  try {
    const ms = Number((await readFile(path, 'utf8')).trim());
    return Number.isFinite(ms) && ms > 0 ? new Date(ms) : undefined;
  } catch {
    return undefined;
  }
}

/** Written via rename so a crash never leaves a half-written expiry behind. */
export async function writeExpiryFile(path: string, expiresAt: Date): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${expiresAt.getTime()}\n`, { mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    // A full disk can create the file and fail the write: leave no temp file behind.
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Docker labels cannot change, so an expiry set after creation lives in the file. The file is
 * always written after the label, so it wins whenever present, also when it shortens the
 * lifetime (E2B's setTimeout may do both).
 */
export function effectiveExpiry(label: Date, file: Date | undefined): Date {
  return file ?? label;
}
