/**
 * Baselines on plain Docker: a container of the same image and runtime as a sandbox, with none of
 * Codebox's work (no hardening, agent, firewall, disk or user namespace) and no network. Every
 * container made here carries the label `codebox.bench=<pid>` and is removed by id.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { Runtime } from './report-schema.ts';

export const BENCH_LABEL = 'codebox.bench';

/** The Docker runtime a sandbox of `runtime` without network runs under (scripts/register-runsc.sh). */
export function plainRuntime(runtime: Runtime): string {
  return runtime === 'runsc' ? 'codebox-runsc-offline' : 'runc';
}

/**
 * The image a running sandbox was started from, by id: tags move (`latest`) or go (another runner's
 * clean-up of templates it does not know) while the bench runs; an image in use by a container stays.
 * Baselines on it therefore run while a sandbox of it exists.
 */
export async function sandboxImage(docker: Docker, sandboxId: string): Promise<string> {
  return (await docker.getContainer(`codebox-${sandboxId}`).inspect()).Image;
}

export interface PlainOptions {
  readonly image: string;
  readonly runtime: Runtime;
  readonly cmd: readonly string[];
  /** Keep stdin open, for a REPL driven over attach. */
  readonly stdin?: boolean;
}

export async function createPlain(docker: Docker, options: PlainOptions): Promise<Docker.Container> {
  return docker.createContainer({
    name: `codebox-bench-${randomBytes(4).toString('hex')}`,
    Image: options.image,
    Cmd: [...options.cmd],
    Entrypoint: [],
    Labels: { [BENCH_LABEL]: String(process.pid) },
    OpenStdin: options.stdin ?? false,
    StdinOnce: false,
    AttachStdin: options.stdin ?? false,
    AttachStdout: options.stdin ?? false,
    AttachStderr: options.stdin ?? false,
    Tty: false,
    NetworkDisabled: true,
    HostConfig: { Runtime: plainRuntime(options.runtime), NetworkMode: 'none', Init: true },
  });
}

export async function removePlain(container: Docker.Container): Promise<void> {
  await container.remove({ force: true }).catch(() => undefined);
}

/** `docker exec` of `cmd`, resolved when its output ends. */
export async function execPlain(container: Docker.Container, cmd: readonly string[]): Promise<void> {
  const exec = await container.exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve).on('error', reject).resume();
  });
}

/**
 * An interpreter (`python3 -i`, `node -i`) in a plain container, driven over `docker attach`:
 * what answering code costs with no protocol at all, the floor for a warm interpreter's round trip.
 */
export class PlainRepl {
  #stdout = '';
  #waiter: { text: string; resolve: () => void } | undefined;
  readonly container: Docker.Container;
  readonly #stream: Duplex;

  private constructor(container: Docker.Container, stream: Duplex) {
    this.container = container;
    this.#stream = stream;
  }

  static async start(docker: Docker, options: Omit<PlainOptions, 'stdin'>): Promise<PlainRepl> {
    const container = await createPlain(docker, { ...options, stdin: true });
    try {
      const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex;
      const stdout = new PassThrough();
      docker.modem.demuxStream(stream, stdout, new PassThrough().resume());
      await container.start();
      const repl = new PlainRepl(container, stream);
      stdout.on('data', (chunk: Buffer) => repl.#onStdout(chunk.toString()));
      return repl;
    } catch (error) {
      await removePlain(container);
      throw error;
    }
  }

  #onStdout(text: string): void {
    this.#stdout += text;
    const waiter = this.#waiter;
    if (waiter && this.#stdout.includes(waiter.text)) {
      this.#waiter = undefined;
      this.#stdout = '';
      waiter.resolve();
    }
  }

  /** Sends `line` and resolves once `expect` appeared on stdout (everything before it is dropped). */
  async send(line: string, expect: string, timeoutMs = 30_000): Promise<void> {
    this.#stdout = '';
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(expect)} from the REPL within ${timeoutMs} ms`)), timeoutMs);
      this.#waiter = {
        text: expect,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
    this.#stream.write(`${line}\n`);
    await seen;
  }

  async close(): Promise<void> {
    this.#stream.destroy();
    await removePlain(this.container);
  }
}
