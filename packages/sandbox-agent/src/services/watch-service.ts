import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Logger } from 'pino';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { DirectoryWatch, type FilesystemEvent, type WatchOptions } from './directory-watch.js';
import { asUser } from './identity.js';
import { resolveSandboxPath } from './sandbox-path.js';
import { fromSystemError } from './system-error.js';
import type { SandboxUser, UserDirectory } from './user-directory.js';

/** Events a polling watcher keeps between GetWatcherEvents calls; older ones are dropped. */
export const MAX_BUFFERED_WATCH_EVENTS = 10_000;

interface PollingWatcher {
  readonly watch: DirectoryWatch;
  events: FilesystemEvent[];
}

/** Streaming watches (WatchDir) and envd's polling watchers (Create/GetEvents/Remove). */
export class WatchService {
  private readonly pollers = new Map<string, PollingWatcher>();

  constructor(
    private readonly users: UserDirectory,
    private readonly logger: Logger,
  ) {}

  watch(user: SandboxUser, path: string, options: WatchOptions, onEvent: (event: FilesystemEvent) => void): DirectoryWatch {
    const root = resolveSandboxPath(user, path);
    try {
      const isDirectory = asUser(user, () => statSync(root).isDirectory());
      if (!isDirectory) throw new InvalidArgumentError(`'${root}' is not a directory; watch a directory`);
      return new DirectoryWatch(user, root, options, this.users, onEvent, this.logger);
    } catch (error) {
      throw fromSystemError(error, root);
    }
  }

  createWatcher(user: SandboxUser, path: string, options: WatchOptions): string {
    const id = randomUUID();
    const poller: PollingWatcher = {
      events: [],
      watch: this.watch(user, path, options, (event) => {
        poller.events.push(event);
        if (poller.events.length > MAX_BUFFERED_WATCH_EVENTS) poller.events.shift();
      }),
    };
    this.pollers.set(id, poller);
    return id;
  }

  takeEvents(id: string): FilesystemEvent[] {
    const poller = this.requirePoller(id);
    const events = poller.events;
    poller.events = [];
    return events;
  }

  removeWatcher(id: string): void {
    this.requirePoller(id).watch.close();
    this.pollers.delete(id);
  }

  closeAll(): void {
    for (const poller of this.pollers.values()) poller.watch.close();
    this.pollers.clear();
  }

  private requirePoller(id: string): PollingWatcher {
    const poller = this.pollers.get(id);
    if (!poller) throw new NotFoundError(`watcher '${id}' does not exist; create one with CreateWatcher`);
    return poller;
  }
}
