import { ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { Filesystem, HEADERS, filesystemPb } from '@codebox/protocol';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { EventEmitter, on } from 'node:events';
import type { Logger } from 'pino';
import type { FilesystemEvent } from '../services/directory-watch.js';
import type { FilesystemService } from '../services/filesystem-service.js';
import { keepaliveIntervalMs, withKeepalive } from '../services/keepalive-stream.js';
import type { SandboxUser } from '../services/user-directory.js';
import type { WatchService } from '../services/watch-service.js';
import { connectGuard } from './connect-error.js';

type WatchDirResponseInit = MessageInitShape<typeof filesystemPb.WatchDirResponseSchema>;

export interface FilesystemHandlerDeps {
  readonly filesystem: FilesystemService;
  readonly watches: WatchService;
  readonly userOf: (context: HandlerContext) => SandboxUser;
  readonly logger: Logger;
}

/** envd's `filesystem.Filesystem` service. */
export function filesystemHandler(deps: FilesystemHandlerDeps): ServiceImpl<typeof Filesystem> {
  const { filesystem, watches, userOf, logger } = deps;
  const guard = connectGuard(logger, 'filesystem');

  return {
    stat: (request, context) => guard(() => ({ entry: filesystem.stat(userOf(context), request.path) })),
    makeDir: (request, context) => guard(() => ({ entry: filesystem.makeDir(userOf(context), request.path) })),
    move: (request, context) =>
      guard(() => ({ entry: filesystem.move(userOf(context), request.source, request.destination) })),
    listDir: (request, context) =>
      guard(() => ({ entries: filesystem.listDir(userOf(context), request.path, request.depth) })),
    remove: (request, context) =>
      guard(() => {
        filesystem.remove(userOf(context), request.path);
        return {};
      }),

    async *watchDir(request, context) {
      const feed = new EventEmitter();
      const stop = new AbortController();
      const signal = AbortSignal.any([context.signal, stop.signal]);
      // Subscribe before the watch exists so no event between the two is lost.
      const raw = on(feed, 'event', { signal });
      const watch = guard(() =>
        watches.watch(
          userOf(context),
          request.path,
          { recursive: request.recursive, includeEntry: request.includeEntry },
          (event) => feed.emit('event', event),
        ),
      );
      try {
        yield { event: { case: 'start', value: {} } };
        const interval = keepaliveIntervalMs(context.requestHeader.get(HEADERS.keepalivePingInterval));
        const events = withKeepalive<WatchDirResponseInit>(toResponses(raw, signal), interval, () => ({
          event: { case: 'keepalive', value: {} },
        }));
        for await (const event of events) yield event;
      } finally {
        watch.close();
        stop.abort();
      }
      if (context.signal.aborted) throw ConnectError.from(context.signal.reason);
    },

    createWatcher: (request, context) =>
      guard(() => ({
        watcherId: watches.createWatcher(userOf(context), request.path, {
          recursive: request.recursive,
          includeEntry: request.includeEntry,
        }),
      })),
    getWatcherEvents: (request, context) =>
      guard(() => {
        userOf(context);
        return { events: watches.takeEvents(request.watcherId) };
      }),
    removeWatcher: (request, context) =>
      guard(() => {
        userOf(context);
        watches.removeWatcher(request.watcherId);
        return {};
      }),
  };
}

async function* toResponses(
  raw: AsyncIterable<unknown[]>,
  signal: AbortSignal,
): AsyncGenerator<WatchDirResponseInit> {
  try {
    for await (const [event] of raw) {
      yield { event: { case: 'filesystem', value: event as FilesystemEvent } };
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
