// The terminal page's server side: one sandbox with a shell in a pseudo-terminal (`sandbox.pty`)
// per open page. The browser reads the terminal's bytes as server-sent events and posts
// keystrokes and size changes back; plain HTTP both ways, so node:http needs no WebSocket library.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { SandboxSessions, type CommandHandle } from '@codebox/core-client';

/** Open terminals at once; each holds a sandbox, so a page left open costs one. */
const MAX_TERMINALS = 8;

export class TerminalRelay {
  // One sandbox session per open page: killed when the page goes away, after 5 idle minutes
  // (no keystroke), and all of them when the server stops (SandboxSessions does that).
  private readonly sessions = new SandboxSessions({ template: 'base', maxSessions: MAX_TERMINALS });
  private readonly shells = new Map<string, CommandHandle>();

  /**
   * Starts a sandbox and a shell of `cols` x `rows` in it and streams the terminal to `res` as
   * server-sent events: first `id` (the terminal's id for input and resize), then `data` events
   * (base64 bytes), then `exit`. The sandbox is killed when the shell exits or the page goes away.
   */
  async open(res: ServerResponse, size: { cols: number; rows: number }): Promise<void> {
    if (this.sessions.size >= MAX_TERMINALS) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`${MAX_TERMINALS} terminals are open already; close one`);
      return;
    }
    const id = randomUUID();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    const send = (event: string, data: string): boolean => res.write(`event: ${event}\ndata: ${data}\n\n`);
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      this.shells.delete(id);
      await this.sessions.kill(id).catch(() => undefined);
      res.end();
    };
    res.on('close', () => void close());
    try {
      const sandbox = await this.sessions.get(id);
      if (closed) return;
      const shell = await sandbox.pty.create({
        ...size,
        // The page is the terminal: no time limit while it is open (closing it kills the sandbox).
        timeoutMs: 0,
        // Waiting for a slow page pauses the stream, so the sandbox's output waits too (backpressure).
        onData: async (bytes) => {
          if (!send('data', Buffer.from(bytes).toString('base64')) && !res.destroyed) {
            await Promise.race([once(res, 'drain'), once(res, 'close')]);
          }
        },
      });
      this.shells.set(id, shell);
      send('id', id);
      const exitCode = await shell.wait().then(
        (result) => result.exitCode,
        (error: { exitCode?: number }) => error.exitCode ?? -1,
      );
      send('exit', String(exitCode));
    } catch (error) {
      send('failed', JSON.stringify(error instanceof Error ? error.message : String(error)));
    } finally {
      await close();
    }
  }

  /** Types `bytes` into terminal `id`; false when there is no such terminal. */
  async input(id: string, bytes: Uint8Array): Promise<boolean> {
    const shell = this.shells.get(id);
    if (!shell) return false;
    await this.sessions.withSession(id, (sandbox) => sandbox.pty.sendInput(shell.pid, bytes));
    return true;
  }

  /** Resizes terminal `id` (the page's window changed); false when there is no such terminal. */
  async resize(id: string, size: { cols: number; rows: number }): Promise<boolean> {
    const shell = this.shells.get(id);
    if (!shell) return false;
    await this.sessions.withSession(id, (sandbox) => sandbox.pty.resize(shell.pid, size));
    return true;
  }
}

/** A terminal size from query parameters, within what a page can show. */
export function sizeFrom(params: URLSearchParams): { cols: number; rows: number } | undefined {
  const cols = Number(params.get('cols'));
  const rows = Number(params.get('rows'));
  const fits = (n: number): boolean => Number.isInteger(n) && n >= 2 && n <= 1000;
  return fits(cols) && fits(rows) ? { cols, rows } : undefined;
}
