// PTY keystroke round trip: one key sent with `pty.sendInput` until the terminal's echo of it arrives
// through the `pty.create` stream (what a user typing into a web terminal waits for), beside the
// same keystroke through a `docker exec` TTY in a plain container of the same image.
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { Sandbox } from '@codebox/core-client';
import { createPlain, removePlain, sandboxImage } from '../plain-container.ts';
import type { ScenarioResult } from '../report-schema.ts';
import { measuredResult, type Scenario } from '../scenario.ts';
import { summarizeTimed, timeEach } from '../stats.ts';

/** `cat` in raw mode echoes each key by itself, with no prompt or line editing in between. */
const RAW_CAT = 'stty raw -echo; echo READY_$((6*7)); cat';
/** What RAW_CAT prints once the terminal is raw: the shell echoes the typed line, which does not hold it. */
const READY = 'READY_42';

/** Waits for a text in a stream of terminal output, fed by `feed`. */
class Echoes {
  #seen = '';
  #waiter: { text: string; resolve: () => void } | undefined;

  feed(text: string): void {
    this.#seen += text;
    const waiter = this.#waiter;
    if (waiter && this.#seen.includes(waiter.text)) {
      this.#waiter = undefined;
      this.#seen = '';
      waiter.resolve();
    }
  }

  /** Resolves when `text` has appeared since the last wait ended. */
  next(text: string, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(text)} from the terminal within ${timeoutMs} ms`)), timeoutMs);
      this.#waiter = {
        text,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.feed('');
    });
  }
}

const keyOf = (i: number): string => String.fromCharCode(97 + (i % 26));

/** The same raw `cat` behind a `docker exec` TTY, driven over the hijacked exec stream. */
async function dockerTty(container: Docker.Container): Promise<{ echoes: Echoes; stream: Duplex }> {
  const exec = await container.exec({ Cmd: ['sh', '-c', RAW_CAT], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
  const echoes = new Echoes();
  stream.on('data', (chunk: Buffer) => echoes.feed(chunk.toString()));
  await echoes.next(READY);
  return { echoes, stream };
}

export const pty: Scenario = {
  id: 'pty',
  title: 'PTY keystroke echo',
  async run(ctx): Promise<ScenarioResult[]> {
    const keys = ctx.runs(100, 20);
    const sandbox = await Sandbox.create('base', ctx.opts);
    try {
      const echoes = new Echoes();
      const decoder = new TextDecoder();
      const terminal = await sandbox.pty.create({ cols: 80, rows: 24, onData: (data) => echoes.feed(decoder.decode(data, { stream: true })) });
      const encoder = new TextEncoder();
      const ready = echoes.next(READY);
      await sandbox.pty.sendInput(terminal.pid, encoder.encode(`${RAW_CAT}\r`));
      await ready;
      ctx.progress(`${keys} keystrokes through pty.sendInput, then through docker exec`);
      const name = 'Codebox client pty.sendInput of one key → its echo on the pty.create stream';
      const ours = await timeEach(keys, async (i) => {
        const echoed = echoes.next(keyOf(i));
        await sandbox.pty.sendInput(terminal.pid, encoder.encode(keyOf(i)));
        await echoed;
      });
      await sandbox.pty.kill(terminal.pid);

      const plain = await createPlain(ctx.docker, { image: await sandboxImage(ctx.docker, sandbox.sandboxId), runtime: ctx.runtime, cmd: ['sleep', 'infinity'] });
      const baseName = 'docker exec -t of the same raw cat in a plain container of the same image: one key → its echo';
      try {
        await plain.start();
        const tty = await dockerTty(plain);
        const base = await timeEach(keys, async (i) => {
          const echoed = tty.echoes.next(keyOf(i));
          tty.stream.write(keyOf(i));
          await echoed;
        });
        tty.stream.destroy();
        return [
          measuredResult({
            id: 'pty-echo',
            title: 'PTY keystroke echo',
            runtime: ctx.runtime,
            method: `A base sandbox; a terminal (pty.create, 80×24) running cat in raw mode without echo, so each key comes back once, by itself; ${keys} keys one after another, each timed from pty.sendInput until it arrived on the terminal's output stream. The baseline types the same keys into the same raw cat behind a docker exec TTY, attached through Docker's API, in a plain container of the same image.`,
            samples: [summarizeTimed(name, ours), summarizeTimed(baseName, base)],
            measured: name,
            baseline: { sample: baseName, note: "the same keystroke through the container engine's own TTY, without Codebox" },
          }),
        ];
      } finally {
        await removePlain(plain);
      }
    } finally {
      await sandbox.kill().catch(() => undefined);
    }
  },
};
