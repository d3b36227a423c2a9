import type { KernelChild } from './kernel-child.js';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ExecutionSink } from '../kernel.js';
import { OutputFence } from '../output-fence.js';
import type { BridgeConnection, BridgeEvents, KernelWire } from './kernel-wire.js';
import { signalGroup } from './process-group.js';

/** A JSON line a bridge writes on fd 3: `{"type":"ready"}` once, `{"type":"done","nonce",…}` per cell. */
export interface BridgeMessage {
  readonly type: string;
  readonly nonce?: string;
  readonly [field: string]: unknown;
}

/** What differs between fenced bridges: how a cell is asked for and how its reply reads. */
export interface FencedDialect {
  /** The bytes on fd 3 that ask the bridge to run a cell. */
  encodeRequest(nonce: string, code: string, envVars: Readonly<Record<string, string>>): Buffer;
  /** Reports a `done` reply's results and error into the sink. */
  reportDone(message: BridgeMessage, sink: ExecutionSink): void;
}

interface Cell {
  readonly id: number;
  readonly nonce: string;
  readonly stdout: { fence: OutputFence; text: StringDecoder };
  readonly stderr: { fence: OutputFence; text: StringDecoder };
  done?: BridgeMessage;
}

/**
 * The fenced bridge's wire: the bridge takes requests and sends replies on fd 3, while user code
 * writes straight to its stdout and stderr, which are also what subprocesses inherit, so every
 * line streams as printed. Its stdin is at EOF: user code that reads it must not wait.
 *
 * Ordering between fd 3 and the output pipes is restored with a fence: after a cell the bridge
 * writes `\0codebox:<nonce>\0` on stdout and stderr, and the cell ends only when the `done`
 * reply and both fences have arrived.
 */
export class FencedWire implements KernelWire {
  readonly extraPipes = 1;

  constructor(private readonly dialect: FencedDialect) {}

  connect(child: KernelChild, events: BridgeEvents): BridgeConnection {
    const channel = child.stdio[3] as Duplex | null | undefined;
    if (!channel) throw new Error('kernel bridge was spawned without its pipes');
    child.stdin?.end();
    channel.on('error', () => undefined);
    let cell: Cell | undefined;

    const finishIfComplete = (current: Cell): void => {
      if (!current.done || !current.stdout.fence.reached || !current.stderr.fence.reached) return;
      cell = undefined;
      const sink = events.sink();
      if (!sink) return;
      try {
        this.dialect.reportDone(current.done, sink);
        events.finished(current.id);
      } catch (error) {
        events.failed(current.id, error as Error);
      }
    };
    const onOutput = (stream: 'stdout' | 'stderr', chunk: Buffer): void => {
      const sink = events.sink();
      if (!cell || !sink) return; // Output between cells (background jobs) belongs to no execution.
      const { fence, text } = cell[stream];
      if (fence.reached) return;
      const output = text.write(fence.push(chunk));
      if (output) sink[stream](output);
      if (fence.reached) {
        const rest = text.end();
        if (rest) sink[stream](rest);
        finishIfComplete(cell);
      }
    };

    createInterface({ input: channel, crlfDelay: Infinity }).on('line', (line) => {
      const message = parseMessage(line);
      if (!message) {
        events.logger.warn({ line: line.slice(0, 200) }, 'kernel bridge sent a line that is not a message');
      } else if (message.type === 'ready') {
        events.ready();
      } else if (message.type === 'done' && cell && message.nonce === cell.nonce) {
        cell.done = message;
        finishIfComplete(cell);
      }
    });
    child.stdout?.on('data', (chunk: Buffer) => onOutput('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => onOutput('stderr', chunk));

    return {
      execute: (id, request) => {
        const nonce = randomBytes(12).toString('hex');
        const fence = Buffer.from(`\0codebox:${nonce}\0`);
        cell = {
          id,
          nonce,
          stdout: { fence: new OutputFence(fence), text: new StringDecoder('utf8') },
          stderr: { fence: new OutputFence(fence), text: new StringDecoder('utf8') },
        };
        channel.write(this.dialect.encodeRequest(nonce, request.code, request.envVars));
      },
      interrupt: (id) => {
        // Finished already (its output still arriving): an interrupt now would hit the next cell.
        if (cell?.id === id && cell.done) return;
        signalGroup(child, 'SIGINT');
      },
      flush: (sink) => {
        if (!cell) return;
        for (const stream of ['stdout', 'stderr'] as const) {
          const rest = cell[stream].text.end(cell[stream].fence.drain());
          if (rest) sink[stream](rest);
        }
        cell = undefined;
      },
    };
  }
}

function parseMessage(line: string): BridgeMessage | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string') return value as BridgeMessage;
  } catch {
    // Not JSON: reported by the caller.
  }
  return undefined;
}
