import { readFile } from 'node:fs/promises';
import { writeFileAtomically } from './atomic-file.js';

/** Reads `<dataDir>/sandboxes/<id>/expires-at` (ms since epoch); undefined when absent or unreadable. */
export async function readExpiryFile(path: string): Promise<Date | undefined> {
  try {
    const ms = Number((await readFile(path, 'utf8')).trim());
    return Number.isFinite(ms) && ms > 0 ? new Date(ms) : undefined;
  } catch {
    return undefined;
  }
}

/** Written atomically so a crash never leaves a half-written expiry behind. */
export async function writeExpiryFile(path: string, expiresAt: Date): Promise<void> {
  await writeFileAtomically(path, `${expiresAt.getTime()}\n`);
}

/**
 * Docker labels cannot change, so an expiry set after creation lives in the file. The file is
 * always written after the label, so it wins whenever present, also when it shortens the
 * lifetime (E2B's setTimeout may do both).
 */
export function effectiveExpiry(label: Date, file: Date | undefined): Date {
  return file ?? label;
}
