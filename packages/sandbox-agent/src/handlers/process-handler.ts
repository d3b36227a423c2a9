import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { HEADERS, Process, processPb } from '@codebox/protocol';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Logger } from 'pino';
import { InvalidArgumentError } from '../errors.js';
import { keepaliveIntervalMs, withKeepalive } from '../services/keepalive-stream.js';
import { signalName, type ManagedProcess, type ProcessOutput } from '../services/managed-process.js';
import type { ProcessSelector, ProcessService } from '../services/process-service.js';
import type { SandboxUser } from '../services/user-directory.js';
import { connectGuard, toConnectError } from './connect-error.js';

type ProcessEventInit = MessageInitShape<typeof processPb.ProcessEventSchema>;

export interface ProcessHandlerDeps {
  readonly processes: ProcessService;
  readonly userOf: (context: HandlerContext) => SandboxUser;
  readonly logger: Logger;
}

/** envd's `process.Process` service over the process table. */
export function processHandler(deps: ProcessHandlerDeps): Partial<ServiceImpl<typeof Process>> {
  const { processes, userOf, logger } = deps;
  const guard = connectGuard(logger, 'process');

  return {
    async *start(request, context) {
      const managed = guard(() => {
        const user = userOf(context);
        const config = request.process;
        if (!config) throw new InvalidArgumentError('StartRequest.process is missing; pass cmd and args');
        return processes.start(user, {
          cmd: config.cmd,
          args: config.args,
          envs: config.envs,
          ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
          ...(request.tag === undefined ? {} : { tag: request.tag }),
          stdin: request.stdin ?? false,
          ...(request.pty ? { pty: { cols: request.pty.size?.cols ?? 0, rows: request.pty.size?.rows ?? 0 } } : {}),
        });
      });
      // Codebox's improvement over envd: the command's deadline ends the command, not only
      // the stream, so a runaway foreground command cannot outlive its timeout even when
      // the client has already given up and disconnected.
      const timeoutMs = context.timeoutMs();
      if (timeoutMs !== undefined && timeoutMs > 0) managed.killAfter(timeoutMs);
      yield* streamProcess(managed, context);
    },

    async *connect(request, context) {
      const managed = guard(() => {
        userOf(context);
        return processes.get(selectorOf(request.process));
      });
      yield* streamProcess(managed, context);
    },

    list(_request, context) {
      return guard(() => {
        userOf(context);
        return {
          processes: processes.list().map((managed) => ({
            pid: managed.pid,
            ...(managed.spec.tag === undefined ? {} : { tag: managed.spec.tag }),
            config: { cmd: managed.spec.cmd, args: [...managed.spec.args], envs: { ...managed.spec.envs }, cwd: managed.spec.cwd },
          })),
        };
      });
    },

    sendInput(request, context) {
      return guard(() => {
        userOf(context);
        const managed = processes.get(selectorOf(request.process));
        const input = request.input?.input;
        if (input?.case === 'pty') managed.writeTerminal(input.value);
        if (input?.case === 'stdin') managed.writeStdin(input.value);
        return {};
      });
    },

    sendSignal(request, context) {
      return guard(() => {
        userOf(context);
        const managed = processes.get(selectorOf(request.process));
        const name = signalName(request.signal);
        if ((request.signal !== processPb.Signal.SIGKILL && request.signal !== processPb.Signal.SIGTERM) || !name) {
          throw new InvalidArgumentError(`signal ${request.signal} is not supported; send SIGTERM or SIGKILL`);
        }
        managed.signal(name);
        return {};
      });
    },

    closeStdin(request, context) {
      return guard(() => {
        userOf(context);
        processes.get(selectorOf(request.process)).closeStdin();
        return {};
      });
    },

    async update(request, context) {
      const { managed, size } = guard(() => {
        userOf(context);
        const managed = processes.get(selectorOf(request.process));
        const size = request.pty?.size;
        if (!size) throw new InvalidArgumentError('UpdateRequest.pty.size is missing; pass the new cols and rows');
        return { managed, size };
      });
      try {
        await managed.resizeTerminal({ cols: size.cols, rows: size.rows });
      } catch (error) {
        throw toConnectError(error);
      }
      return {};
    },

    streamInput() {
      throw new ConnectError(
        'StreamInput is not supported by the Codebox agent; send input with SendInput',
        Code.Unimplemented,
      );
    },
  };
}

async function* streamProcess(
  managed: ManagedProcess,
  context: HandlerContext,
): AsyncGenerator<{ event: ProcessEventInit }> {
  // Subscribe before the first yield: output produced while `start` is on the wire is kept.
  const stop = new AbortController();
  const signal = AbortSignal.any([context.signal, stop.signal]);
  const outputs = managed.subscribe(signal);
  try {
    yield { event: { event: { case: 'start', value: { pid: managed.pid } } } };
    const interval = keepaliveIntervalMs(context.requestHeader.get(HEADERS.keepalivePingInterval));
    const events = withKeepalive<ProcessEventInit | 'keepalive'>(mapOutputs(outputs), interval, () => 'keepalive');
    try {
      for await (const event of events) {
        // A deadline kill is reported as deadline_exceeded below, not as an ordinary end.
        if (managed.deadlineExceeded && event !== 'keepalive' && event.event?.case === 'end') break;
        yield { event: event === 'keepalive' ? { event: { case: 'keepalive', value: {} } } : event };
      }
    } catch (error) {
      // A stream cut for reading too slowly leaves with its own code (aborted), not internal.
      throw toConnectError(error);
    }
  } finally {
    stop.abort();
  }
  if (managed.deadlineExceeded) {
    throw new ConnectError(
      `process ${managed.pid} exceeded its timeout and was killed; pass a larger timeoutMs (0 for none)`,
      Code.DeadlineExceeded,
    );
  }
  if (context.signal.aborted) throw ConnectError.from(context.signal.reason);
}

async function* mapOutputs(outputs: AsyncIterable<ProcessOutput>): AsyncGenerator<ProcessEventInit> {
  for await (const output of outputs) {
    if (output.kind === 'end') {
      yield { event: { case: 'end', value: { ...output.end } } };
    } else {
      yield { event: { case: 'data', value: { output: { case: output.kind, value: output.data } } } };
    }
  }
}

function selectorOf(selector: processPb.ProcessSelector | undefined): ProcessSelector {
  switch (selector?.selector.case) {
    case 'pid':
      return { pid: selector.selector.value };
    case 'tag':
      return { tag: selector.selector.value };
    default:
      throw new InvalidArgumentError('process selector is missing; pass a pid or a tag');
  }
}
