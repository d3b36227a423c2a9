import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A Node script running inside a test network namespace, reporting one JSON event per stdout line. */
export interface NetnsProcess<Event> extends AsyncDisposable {
  /** Every event the script reported after `{"listening":true}`, in order. */
  readonly events: Event[];
  close(): Promise<void>;
}

/**
 * Runs `script` (Node source, `process.argv[1]` = `arg`) in `namespace` and resolves once it
 * prints `{"listening":true}`; every later line is an event. `what` names the server in errors.
 * The process is SIGKILLed on close (and when it fails to come up).
 */
export async function startNetnsProcess<Event>(namespace: string, script: string, arg: string, what: string): Promise<NetnsProcess<Event>> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', script, arg], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Event[] = [];
  const listening = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as Event | { listening: true };
      if (typeof event === 'object' && event !== null && 'listening' in event) resolve();
      else events.push(event as Event);
    });
  });
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    await listening;
  } catch (error) {
    await close();
    throw error;
  }
  return { events, close, [Symbol.asyncDispose]: close };
}
