import { EventEmitter, once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProcessLauncher } from '../../services/process-launcher.js';
import { KernelStartError } from './kernel-errors.js';
import { ForkedKernel, PythonZygote } from './python-zygote.js';

/** Pids beyond any kernel's pid_max: signals sent to them (or their groups) reach nobody. */
const NOBODY = 1_500_000_000;

/** A stand-in for the zygote process: the test reads its fork requests and writes its events. */
class FakeZygote extends EventEmitter {
  readonly pid = NOBODY;
  readonly exitCode = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly channel = new PassThrough();
  readonly stdio = [this.stdin, this.stdout, this.stderr, this.channel];

  async request(): Promise<{ id: number; address: string; token: string; cwd: string }> {
    const [chunk] = (await once(this.stdin, 'data')) as [Buffer];
    return JSON.parse(chunk.toString()) as { id: number; address: string; token: string; cwd: string };
  }

  /** Ends as a SIGKILL would end it (the test's pids reach no real process). */
  die(): void {
    this.signalCode = 'SIGKILL';
    this.emit('exit', null, 'SIGKILL');
  }

  emitEvent(event: Record<string, unknown>): void {
    this.channel.write(`\x1e${JSON.stringify(event)}\n`);
  }
}

const sockets: Socket[] = [];
function dial(address: string, hello: string): Socket {
  const socket = connect(`\0${address}`);
  socket.on('error', () => undefined);
  socket.write(hello);
  sockets.push(socket);
  return socket;
}

function zygote(options: { onDemand?: boolean } = {}): { parent: PythonZygote; processes: FakeZygote[]; args: string[][] } {
  const args: string[][] = [];
  const processes: FakeZygote[] = [];
  const launcher = {
    launchPiped: (_user: unknown, request: { args: string[] }) => {
      args.push(request.args);
      const process = new FakeZygote();
      processes.push(process);
      return process;
    },
  } as unknown as ProcessLauncher;
  const parent = new PythonZygote({
    launcher,
    user: { name: 'user', uid: 1000, gid: 1000, home: '/home/user' },
    kernelsDir: '/opt/codebox/kernels',
    cwd: '/home/user',
    env: {},
    logger: pino({ level: 'silent' }),
    ...options,
  });
  return { parent, processes, args };
}

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

describe('PythonZygote', () => {
  it('on demand: a lone kernel starts directly, one asked for beside it is forked by a parent that loads the data stack first', async () => {
    const { parent, processes, args } = zygote({ onDemand: true });
    expect(parent.forks()).toBe(false);
    const lone = new EventEmitter();
    await parent.startedDirectly(lone as unknown as FakeZygote);
    expect(processes).toHaveLength(0);
    expect(parent.forks()).toBe(true);
    lone.emit('exit', 0, null);
    // A restart of the only kernel starts it directly again.
    expect(parent.forks()).toBe(false);

    await parent.startedDirectly(new EventEmitter() as unknown as FakeZygote);
    void parent.fork({ cwd: '/home/user', env: {}, timeoutMs: 10_000 }).catch(() => undefined);
    const process = processes[0] as FakeZygote;
    await process.request();
    expect(args[0]).toEqual(['/opt/codebox/kernels/python/zygote.py', '--data-stack-first']);
    // From now on the parent runs, so every kernel is forked.
    expect(parent.forks()).toBe(true);
    process.die();
  });

  it('forks every kernel unless on demand', () => {
    expect(zygote().parent.forks()).toBe(true);
  });

  it('hands over a fork once it reported its pid and connected with its token; strangers are dropped', async () => {
    const { parent, processes } = zygote();
    const forked = parent.fork({ cwd: '/tmp/a', env: { A: '1' }, timeoutMs: 10_000 });
    const [process] = processes as [FakeZygote];
    const request = await process.request();
    expect(request.cwd).toBe('/tmp/a');

    const stranger = dial(request.address, `${'0'.repeat(32)}\n`);
    await once(stranger, 'close');

    const socket = dial(request.address, `${request.token}\n\x1e{"type":"ready"}\n`);
    process.emitEvent({ type: 'forked', id: request.id, pid: NOBODY + 1, stage: 'full' });
    const kernel = await forked;
    expect(kernel).toBeInstanceOf(ForkedKernel);
    expect([kernel.pid, kernel.preloaded]).toEqual([NOBODY + 1, true]);
    // What the bridge sent after its token is the start of its channel; commands reach it.
    const [first] = (await once(kernel.stdio[3] as Socket, 'data')) as [Buffer];
    expect(first.toString()).toBe('\x1e{"type":"ready"}\n');
    kernel.stdin.write('{"type":"execute"}\n');
    const [command] = (await once(socket, 'data')) as [Buffer];
    expect(command.toString()).toBe('{"type":"execute"}\n');

    const exited = once(kernel, 'exit');
    const closed = once(kernel, 'close');
    process.emitEvent({ type: 'exited', pid: NOBODY + 1, code: null, signal: 'SIGKILL' });
    expect(await exited).toEqual([null, 'SIGKILL']);
    socket.destroy();
    await closed;
    process.die();
    await parent.shutdown();
  });

  it('fails a fork that exits before connecting, and every fork when the zygote ends; the next fork starts a new zygote', async () => {
    const { parent, processes } = zygote();
    const early = parent.fork({ cwd: '/tmp', env: {}, timeoutMs: 10_000 });
    const [first] = processes as [FakeZygote];
    const request = await first.request();
    first.stderr.write('ImportError: no IPython\n');
    first.emitEvent({ type: 'forked', id: request.id, pid: NOBODY + 2, stage: 'base' });
    first.emitEvent({ type: 'exited', pid: NOBODY + 2, code: 1, signal: null });
    await expect(early).rejects.toThrow(/forked kernel exited with code 1: ImportError: no IPython/);

    const connected = parent.fork({ cwd: '/tmp', env: {}, timeoutMs: 10_000 });
    const second = await first.request();
    dial(second.address, `${second.token}\n`);
    first.emitEvent({ type: 'forked', id: second.id, pid: NOBODY + 3, stage: 'base' });
    const kernel = await connected;
    const waiting = parent.fork({ cwd: '/tmp', env: {}, timeoutMs: 10_000 });
    await first.request();
    const died = once(kernel, 'exit');
    first.die();
    expect(await died).toEqual([null, 'SIGKILL']);
    await expect(waiting).rejects.toBeInstanceOf(KernelStartError);

    void parent.fork({ cwd: '/tmp', env: {}, timeoutMs: 50 }).catch(() => undefined);
    await expect.poll(() => processes.length).toBe(2);
    processes[1]?.die();
    await parent.shutdown();
  });
});
