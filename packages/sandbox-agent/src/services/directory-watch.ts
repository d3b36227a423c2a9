import { watch, type FSWatcher, lstatSync, opendirSync } from 'node:fs';
import { posix } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { filesystemPb } from '@codebox/protocol';
import type { Logger } from 'pino';
import { InvalidArgumentError } from '../errors.js';
import { entryInfoOf } from './entry-info.js';
import { asUser } from './identity.js';
import type { SandboxUser, UserDirectory } from './user-directory.js';

export type FilesystemEvent = filesystemPb.FilesystemEvent;

/**
 * Most directories one recursive watch covers. Each is an inotify watch plus a directory scan
 * on the agent's only thread; a tree larger than this is refused at start (and directories
 * created beyond it later are not watched), instead of stalling the agent for seconds.
 */
export const MAX_WATCHED_DIRECTORIES = 10_000;

export interface WatchOptions {
  readonly recursive: boolean;
  readonly includeEntry: boolean;
}

/**
 * inotify watches on a directory (and, when recursive, on every directory below it, added
 * as they appear). Each inotify watch is added inside `asUser`, so the kernel only lets the
 * user watch what the user may read. Event `name`s are relative to the watched root, as
 * envd sends them.
 *
 * inotify via fs.watch reports only "rename" (create/delete/move) and "change" (write or
 * attribute change); the type is refined by looking at the path: present → CREATE,
 * gone → REMOVE, "change" → WRITE. CHMOD and RENAME are therefore not distinguished.
 */
export class DirectoryWatch {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;
  private starting = true;

  constructor(
    private readonly user: SandboxUser,
    readonly root: string,
    private readonly options: WatchOptions,
    private readonly users: UserDirectory,
    private readonly onEvent: (event: FilesystemEvent) => void,
    private readonly logger: Logger,
  ) {
    // The root watch must succeed (or throw to the caller); subdirectories are best effort.
    try {
      this.addWatch(root, true);
    } catch (error) {
      this.close();
      throw error;
    }
    this.starting = false;
  }

  close(): void {
    this.closed = true;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private addWatch(dir: string, strict: boolean): void {
    if (this.closed || this.watchers.has(dir)) return;
    if (this.watchers.size >= MAX_WATCHED_DIRECTORIES) {
      const message = `'${this.root}' has more than ${MAX_WATCHED_DIRECTORIES} directories to watch recursively; watch a smaller tree`;
      if (this.starting) throw new InvalidArgumentError(message);
      this.logger.warn({ root: this.root, dir }, `${message}: not watching this new directory`);
      return;
    }
    let subdirectories: string[] = [];
    try {
      asUser(this.user, () => {
        const watcher = watch(dir, { persistent: false }, (eventType, filename) => {
          if (filename) this.handle(dir, eventType, filename.toString());
        });
        watcher.on('error', (error) => {
          this.logger.debug({ dir, err: error }, 'watch error; dropping that directory');
          this.dropWatch(dir);
        });
        this.watchers.set(dir, watcher);
        if (this.options.recursive) subdirectories = subdirectoriesOf(dir, MAX_WATCHED_DIRECTORIES - this.watchers.size + 1);
      });
    } catch (error) {
      if (strict) throw error;
      return;
    }
    for (const subdirectory of subdirectories) this.addWatch(subdirectory, false);
  }

  private dropWatch(dir: string): void {
    for (const [path, watcher] of this.watchers) {
      if (path === dir || path.startsWith(`${dir}/`)) {
        watcher.close();
        this.watchers.delete(path);
      }
    }
  }

  private handle(dir: string, eventType: 'rename' | 'change', filename: string): void {
    if (this.closed) return;
    const path = posix.join(dir, filename);
    const present = asUser(this.user, () => {
      try {
        return lstatSync(path);
      } catch {
        return undefined;
      }
    });
    let type: filesystemPb.EventType;
    if (eventType === 'change') type = filesystemPb.EventType.WRITE;
    else type = present ? filesystemPb.EventType.CREATE : filesystemPb.EventType.REMOVE;

    if (this.options.recursive) {
      if (present?.isDirectory() && type === filesystemPb.EventType.CREATE) this.addWatch(path, false);
      if (!present) this.dropWatch(path);
    }
    let entry: filesystemPb.EntryInfo | undefined;
    if (this.options.includeEntry && present) {
      try {
        entry = asUser(this.user, () => entryInfoOf(path, this.users));
      } catch {
        entry = undefined;
      }
    }
    this.onEvent(
      create(filesystemPb.FilesystemEventSchema, {
        name: posix.relative(this.root, path),
        type,
        ...(entry ? { entry } : {}),
      }),
    );
  }
}

/**
 * Subdirectories of `dir`, read one entry at a time and at most `limit` of them (one more than
 * the watch can still take, so the cap is noticed without listing a huge directory whole).
 */
function subdirectoriesOf(dir: string, limit: number): string[] {
  const handle = opendirSync(dir);
  const found: string[] = [];
  try {
    for (let entry = handle.readSync(); entry !== null && found.length < limit; entry = handle.readSync()) {
      if (entry.isDirectory()) found.push(posix.join(dir, entry.name));
    }
  } finally {
    handle.closeSync();
  }
  return found;
}
