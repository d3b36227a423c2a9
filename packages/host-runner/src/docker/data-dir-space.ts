import { statfs } from 'node:fs/promises';
import { HostCommandError } from '../host/errors.js';
import { DataDirFullError } from './errors.js';

const MiB = 1024 * 1024;
/** Account files, the uid file, the socket dir, and room for the image's first writes. */
const HEADROOM_BYTES = 16 * MiB;

/**
 * What a new sandbox takes from the data dir's filesystem at once: the home image is sparse, but
 * mkfs.ext4 writes its metadata, mostly the journal (measured: 64 MiB image → 4 MiB,
 * 1 GiB → 33 MiB, 4 GiB → 66 MiB), about 1/32 of the size up to the 1 GiB journal cap.
 */
export function sandboxFootprintBytes(diskMiB: number, homeDisk: 'loop' | 'tmpfs'): number {
  const metadata = homeDisk === 'loop' ? Math.min(Math.ceil(diskMiB / 32) + 2, 1024 + 2) * MiB : 0;
  return metadata + HEADROOM_BYTES;
}

/** Refuses a create before anything is made when the data dir cannot hold it. */
export async function assertDataDirHasRoom(dataDir: string, neededBytes: number): Promise<void> {
  const fs = await statfs(dataDir, { bigint: false });
  const available = fs.bavail * fs.bsize;
  if (available < neededBytes) throw new DataDirFullError(dataDir, available, neededBytes);
}

/**
 * The same failure when it shows up mid-create instead (another writer filled the disk in
 * between): ENOSPC/EDQUOT from our own file operations, or mkfs/mount reporting it.
 */
export function dataDirFullErrorFor(err: unknown, dataDir: string): DataDirFullError | undefined {
  if (err instanceof DataDirFullError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const path = (err as NodeJS.ErrnoException | undefined)?.path;
  if ((code === 'ENOSPC' || code === 'EDQUOT') && (path === undefined || path.startsWith(dataDir))) {
    return new DataDirFullError(dataDir, undefined, undefined, err);
  }
  if (err instanceof HostCommandError && /no space left on device|could not allocate|disk quota exceeded/i.test(err.stderr)) {
    return new DataDirFullError(dataDir, undefined, undefined, err);
  }
  return undefined;
}
