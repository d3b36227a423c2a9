import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { TemplateContextError } from './errors.js';

/** Name of the Dockerfile added to a user's context; unlikely to clash with their files. */
export const INJECTED_DOCKERFILE = '.codebox.Dockerfile';

/**
 * Packs a build context directory (files, directories, symlinks) plus the given Dockerfile into a
 * tar stream for the daemon. Symlinks are stored as links, never followed, so a context cannot
 * pull in files from outside itself.
 */
export async function packBuildContext(contextDir: string, dockerfile: string): Promise<Readable> {
  const rootStat = await lstat(contextDir).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new TemplateContextError(contextDir, 'it is not a directory');
  const entries = await readdir(contextDir, { recursive: true });
  entries.sort();
  const pack = tar.pack();
  const add = (header: EntryHeader, body: Buffer = Buffer.alloc(0)) =>
    new Promise<void>((resolve, reject) => pack.entry(header, body, (err) => (err ? reject(err) : resolve())));
  void (async () => {
    for (const rel of entries) {
      const path = join(contextDir, rel);
      const name = relative(contextDir, path).split(sep).join('/');
      const st = await lstat(path);
      const base = { name, mode: st.mode & 0o7777, mtime: st.mtime, uid: 0, gid: 0 };
      if (st.isDirectory()) await add({ ...base, type: 'directory' });
      else if (st.isSymbolicLink()) await add({ ...base, type: 'symlink', linkname: await readlink(path) });
      else if (st.isFile()) {
        await new Promise<void>((resolve, reject) => {
          const entry = pack.entry({ ...base, size: st.size }, (err) => (err ? reject(err) : resolve()));
          createReadStream(path).on('error', reject).pipe(entry);
        });
      }
      // Sockets, FIFOs and devices have no place in a build context; they are skipped.
    }
    await add({ name: INJECTED_DOCKERFILE, mode: 0o644, mtime: new Date(0) }, Buffer.from(dockerfile));
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
  return pack as unknown as Readable;
}

type EntryHeader = Parameters<ReturnType<typeof tar.pack>['entry']>[0];
