import type { KernelChild } from './kernel-child.js';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { MimeBundle } from '../kernel.js';
import { BridgeChannel } from './bridge-channel.js';
import type { BridgeConnection, BridgeEvents, KernelWire } from './kernel-wire.js';
import { signalGroup } from './process-group.js';

/**
 * Where events arrive: `fd3` when the bridge keeps fd 1/2 for the program (Python redirects them
 * into pipes it drains itself), `stdout` when events share fd 1 with plain output.
 */
export type EventChannel = 'fd3' | 'stdout';

/**
 * `command`: the bridge stops the running code when told on stdin (it knows which execution
 * runs, so a late interrupt cannot hit the next one). `signal`: SIGINT to the process group.
 */
export type EventInterrupt = 'command' | 'signal';

/**
 * The event bridge's wire: commands go to its stdin as JSON lines
 * (`{"type":"execute","id","code","env"}`, `{"type":"interrupt","id"}`); its channel carries
 * events in the order they happen (`ready`, `stdout`, `stderr`, `result`, `error`, `done`; see
 * `BridgeChannel`), so `display()` output and plots keep their place between printed lines.
 */
export class EventWire implements KernelWire {
  readonly extraPipes: number;

  constructor(
    private readonly channel: EventChannel,
    private readonly interruptBy: EventInterrupt,
  ) {
    this.extraPipes = channel === 'fd3' ? 1 : 0;
  }

  connect(child: KernelChild, events: BridgeEvents): BridgeConnection {
    const { stdin, stdout, stderr } = child;
    const channelStream = this.channel === 'fd3' ? (child.stdio[3] as Readable | null | undefined) : stdout;
    if (!stdin || !stdout || !stderr || !channelStream) throw new Error('kernel bridge was spawned without its pipes');

    // Output between executions (a background child still printing) belongs to no execution.
    const route = (stream: 'stdout' | 'stderr', text: string): void => {
      const sink = events.sink();
      if (text && sink) sink[stream](text);
    };
    const channel = new BridgeChannel({
      text: (text) => route('stdout', text),
      event: (event) => {
        if (event.type === 'ready') events.ready();
        else onEvent(event);
      },
      malformed: (line) => events.logger.error({ line: line.slice(0, 500) }, 'kernel bridge sent a malformed event'),
    });
    const onEvent = (event: Readonly<Record<string, unknown>>): void => {
      const sink = events.sink();
      if (!sink) return;
      switch (event.type) {
        case 'stdout':
        case 'stderr':
          sink[event.type](String(event.text ?? ''));
          break;
        case 'result':
          sink.result(bundleOf(event.data), event.main === true);
          break;
        case 'error':
          sink.error({ name: String(event.name ?? 'Error'), value: String(event.value ?? ''), traceback: String(event.traceback ?? '') });
          break;
        case 'done':
          if (typeof event.id === 'number') events.finished(event.id, typeof event.execution_count === 'number' ? event.execution_count : undefined);
          break;
        default:
          events.logger.debug({ type: event.type }, 'unknown kernel bridge event');
      }
    };
    channelStream.on('data', (chunk: Buffer) => channel.push(chunk));
    if (this.channel === 'fd3') {
      const decoder = new StringDecoder('utf8');
      stdout.on('data', (chunk: Buffer) => route('stdout', decoder.write(chunk)));
    }
    const stderrDecoder = new StringDecoder('utf8');
    stderr.on('data', (chunk: Buffer) => route('stderr', stderrDecoder.write(chunk)));

    const send = (command: Readonly<Record<string, unknown>>): void => {
      stdin.write(`${JSON.stringify(command)}\n`);
    };
    return {
      execute: (id, request) => send({ type: 'execute', id, code: request.code, env: request.envVars }),
      interrupt: (id) => {
        if (this.interruptBy === 'command') send({ type: 'interrupt', id });
        else signalGroup(child, 'SIGINT');
      },
    };
  }
}

function bundleOf(data: unknown): MimeBundle {
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as MimeBundle) : { 'text/plain': String(data) };
}
