// The JavaScript/TypeScript kernel's bridge: a Node process per context, running as the sandbox
// user on the agent's own Node runtime. Built to `dist/kernels/javascript/bridge.mjs`; never
// imported by the agent. The agent compiles each cell (javascript-cell.ts) and sends it on
// fd 3 as a JSON line `{"type":"execute","nonce","code","env"}`; the bridge runs it in its
// global context and answers `{"type":"done","nonce","result"?,"error"?,"interrupted"?}`.
// User output goes to the real stdout/stderr (console.log prints as Node prints), followed by
// the fence `\0codebox:<nonce>\0` on both after each cell.
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { inspect } from 'node:util';
import vm from 'node:vm';

interface ExecuteMessage {
  readonly type: 'execute';
  readonly nonce: string;
  readonly code: string;
  readonly env: Readonly<Record<string, string>>;
}

interface ErrorInfo {
  readonly name: string;
  readonly value: string;
  readonly traceback: string;
}

/** A value that renders itself, as Deno's Jupyter kernel defines it: `[Symbol.for('Jupyter.display')]()`. */
const DISPLAY = Symbol.for('Jupyter.display');

const channel = new Socket({ fd: 3, readable: true, writable: true });
let cellNumber = 0;
let interruptCurrent: ((error: Error) => void) | undefined;

// A cell's stray promise or timer callback must not kill the kernel and its state.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`Unhandled promise rejection: ${inspect(reason)}\n`);
});
process.on('uncaughtException', (error) => {
  process.stderr.write(`Uncaught exception: ${inspect(error)}\n`);
});
// SIGINT during the synchronous part of a cell is handled by vm's breakOnSigint; during an
// await it abandons the cell (whatever it awaited may still settle later, unobserved).
process.on('SIGINT', () => {
  interruptCurrent?.(Object.assign(new Error('the execution was interrupted'), { name: 'KeyboardInterrupt' }));
});

function send(message: Readonly<Record<string, unknown>>): void {
  channel.write(`${JSON.stringify(message)}\n`);
}

/** Frames of this file and of Node's internals say nothing about the user's code. */
const isOwnFrame = (line: string): boolean => line.includes(import.meta.url) || line.includes('node:internal/');

function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'stack' in error && 'message' in error)) {
    const { name, message, stack } = error as Error;
    const traceback = typeof stack === 'string' ? stack.split('\n').filter((line) => !isOwnFrame(line)).join('\n') : `${name}: ${message}`;
    return { name: String(name), value: String(message), traceback };
  }
  return { name: 'Error', value: inspect(error), traceback: `Uncaught ${inspect(error)}` };
}

async function bundleOf(value: unknown): Promise<Record<string, unknown>> {
  const display = (value as { [DISPLAY]?: unknown } | null | undefined)?.[DISPLAY];
  if (typeof display === 'function') {
    const bundle: unknown = await (display as () => unknown).call(value);
    if (typeof bundle === 'object' && bundle !== null) return { 'text/plain': inspect(value), ...(bundle as Record<string, unknown>) };
  }
  return { 'text/plain': inspect(value) };
}

async function runCell(code: string): Promise<{ result?: Record<string, unknown>; error?: ErrorInfo; interrupted?: boolean }> {
  cellNumber += 1;
  const cwd = process.cwd();
  // `require` and relative imports resolve from the current directory, as in a script there.
  const cellPath = join(cwd, `[cell ${cellNumber}]`);
  Object.defineProperty(globalThis, 'require', { value: createRequire(cellPath), writable: true, configurable: true, enumerable: false });
  const interrupted = new Promise<never>((_, reject) => {
    interruptCurrent = reject;
  });
  try {
    const script = new vm.Script(code, { filename: cellPath, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
    const completion = script.runInThisContext({ breakOnSigint: true, displayErrors: false }) as Promise<{ value: unknown } | undefined>;
    const outcome = await Promise.race([completion, interrupted]);
    if (outcome === undefined || outcome.value === undefined) return {};
    return { result: await bundleOf(outcome.value) };
  } catch (error) {
    if (error instanceof Error && (error.name === 'KeyboardInterrupt' || (error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED')) {
      return { error: { name: 'KeyboardInterrupt', value: 'the execution was interrupted', traceback: '' }, interrupted: true };
    }
    return { error: errorInfo(error) };
  } finally {
    interruptCurrent = undefined;
  }
}

async function execute(message: ExecuteMessage): Promise<void> {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(message.env)) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
  const outcome = await runCell(message.code);
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const fence = `\0codebox:${message.nonce}\0`;
  process.stdout.write(fence);
  process.stderr.write(fence);
  send({ type: 'done', nonce: message.nonce, ...outcome });
}

// One cell at a time, in arrival order (the agent serialises them too).
let queue = Promise.resolve();
createInterface({ input: channel, crlfDelay: Infinity }).on('line', (line) => {
  const message = JSON.parse(line) as ExecuteMessage;
  if (message.type !== 'execute') return;
  queue = queue.then(() => execute(message));
});
channel.on('end', () => process.exit(0));
send({ type: 'ready' });
