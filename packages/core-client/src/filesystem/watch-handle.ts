import { filesystemPb } from '@codebox/protocol';
import { FileNotFoundError } from '../errors.js';
import { rpcError } from '../envd/rpc-error.js';
import { Code } from '@connectrpc/connect';
import { toEntryInfo, type EntryInfo } from './entry-info.js';

/** Kind of change `watchDir` reports (the `e2b` enum, string-valued). */
export enum FilesystemEventType {
  CHMOD = 'chmod',
  CREATE = 'create',
  REMOVE = 'remove',
  RENAME = 'rename',
  WRITE = 'write',
}

/** One change in a watched directory. */
export interface FilesystemEvent {
  /** Path relative to the watched directory. */
  name: string;
  type: FilesystemEventType;
  entry?: EntryInfo;
}

export type OnFilesystemEvent = (event: FilesystemEvent) => void | Promise<void>;
export type OnWatchExit = (err?: Error) => void | Promise<void>;

const EVENT_TYPES: Partial<Record<filesystemPb.EventType, FilesystemEventType>> = {
  [filesystemPb.EventType.CHMOD]: FilesystemEventType.CHMOD,
  [filesystemPb.EventType.CREATE]: FilesystemEventType.CREATE,
  [filesystemPb.EventType.REMOVE]: FilesystemEventType.REMOVE,
  [filesystemPb.EventType.RENAME]: FilesystemEventType.RENAME,
  [filesystemPb.EventType.WRITE]: FilesystemEventType.WRITE,
};

/** A running `files.watchDir()`; `stop()` ends it. */
export class WatchHandle {
  private stopped = false;

  /** @internal Use `sandbox.files.watchDir()`. */
  constructor(
    private readonly handleStop: () => void,
    private readonly events: AsyncIterator<filesystemPb.WatchDirResponse>,
    private readonly onEvent: OnFilesystemEvent,
    private readonly onExit?: OnWatchExit,
  ) {
    void this.consume();
  }

  /** Stops watching. `onExit` is then called without an error. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.handleStop();
  }

  private async consume(): Promise<void> {
    let failure: Error | undefined;
    try {
      for (;;) {
        const next = await this.events.next();
        if (next.done || this.stopped) break;
        const event = next.value.event;
        if (event.case !== 'filesystem') continue;
        const type = EVENT_TYPES[event.value.type];
        if (!type) continue;
        const out: FilesystemEvent = { name: event.value.name, type };
        if (event.value.entry) out.entry = toEntryInfo(event.value.entry);
        await this.onEvent(out);
      }
    } catch (err) {
      if (!this.stopped) {
        const mapped = rpcError(err, { [Code.NotFound]: (m) => new FileNotFoundError(m) });
        failure = mapped instanceof Error ? mapped : new Error(String(mapped));
      }
    }
    try {
      await this.onExit?.(failure);
    } catch {
      // onExit is the caller's last word; nothing is left to report its failure to.
    } finally {
      this.handleStop();
    }
  }
}
