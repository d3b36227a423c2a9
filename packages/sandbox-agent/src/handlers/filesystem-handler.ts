import { ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { Filesystem, HEADERS, filesystemPb } from '@codebox/protocol';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Logger } from 'pino';
import type { FilesystemEvent } from '../services/directory-watch.js';
import type { FilesystemService } from '../services/filesystem-service.js';
import { keepaliveIntervalMs, withKeepalive } from '../services/keepalive-stream.js';
import type { SandboxUser } from '../services/user-directory.js';
import type { WatchService } from '../services/watch-service.js';
import { StreamTooSlowError } from '../errors.js';
import { BoundedQueue } from '../services/bounded-queue.js';
import { connectGuard, toConnectError } from './connect-error.js';

/** Events a WatchDir stream may have waiting for its client before it is cut. */
export const MAX_QUEUED_WATCH_EVENTS = 10_000;

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
      // inotify cannot be paused, so a client that reads more slowly than events come is
      // cut once MAX_QUEUED_WATCH_EVENTS wait for it, rather than queueing without end.
      const queue = new BoundedQueue<FilesystemEvent>(MAX_QUEUED_WATCH_EVENTS, 0);
      const onAbort = (): void => queue.close(true);
      context.signal.addEventListener('abort', onAbort, { once: true });
      const watch = guard(() =>
        watches.watch(
          userOf(context),
          request.path,
          { recursive: request.recursive, includeEntry: request.includeEntry },
          (event) => {
            queue.push(event, 1);
            if (queue.full) {
              queue.fail(
                new StreamTooSlowError(
                  `watch stream cut: ${MAX_QUEUED_WATCH_EVENTS} events were waiting for this client; read events faster or watch a smaller tree`,
                ),
              );
            }
          },
        ),
      );
      try {
        yield { event: { case: 'start', value: {} } };
        const interval = keepaliveIntervalMs(context.requestHeader.get(HEADERS.keepalivePingInterval));
        const events = withKeepalive<WatchDirResponseInit>(toResponses(queue), interval, () => ({
          event: { case: 'keepalive', value: {} },
        }));
        for await (const event of events) yield event;
      } catch (error) {
        throw toConnectError(error);
      } finally {
        watch.close();
        context.signal.removeEventListener('abort', onAbort);
        queue.close(true);
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

async function* toResponses(events: AsyncIterable<FilesystemEvent>): AsyncGenerator<WatchDirResponseInit> {
  for await (const event of events) yield { event: { case: 'filesystem', value: event } };
}
