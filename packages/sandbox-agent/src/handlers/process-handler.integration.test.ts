import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { Process, processPb } from '@codebox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireCommand } from '../../../../test/support/test-prerequisites.js';
import { buildSandboxExec, startAgent, TEST_UID, type AgentFixture } from '../testing/agent-fixture.js';

type Event = processPb.ProcessEvent['event'];

async function collect(stream: AsyncIterable<processPb.StartResponse | processPb.ConnectResponse>): Promise<Event[]> {
  const events: Event[] = [];
  for await (const response of stream) if (response.event) events.push(response.event.event);
  return events;
}

function text(events: Event[], kind: 'stdout' | 'stderr'): string {
  return events
    .map((event) => (event.case === 'data' && event.value.output.case === kind ? Buffer.from(event.value.output.value).toString() : ''))
    .join('');
}

function endOf(events: Event[]): processPb.ProcessEvent_EndEvent | undefined {
  const last = events.at(-1);
  return last?.case === 'end' ? last.value : undefined;
}

function processState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?';
  } catch {
    return 'gone';
  }
}

const bash = (cmd: string) => ({ cmd: '/bin/bash', args: ['-l', '-c', cmd], envs: {} });

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('process service (real agent, fallback spawn)', () => {
  let fx: AgentFixture;
  const savedEnv = process.env.CODEBOX_AGENT_SECRET;
  beforeAll(async () => {
    process.env.CODEBOX_AGENT_SECRET = 'must-not-leak';
    fx = await startAgent({ sandboxEnvs: { FROM_SANDBOX: 'yes', OVERRIDDEN: 'sandbox', CODEBOX_INTERNAL: 'no' } });
  });
  afterAll(async () => {
    process.env.CODEBOX_AGENT_SECRET = savedEnv;
    await fx.close();
  });

  it('streams start, stdout, stderr and end in order', async () => {
    const events = await collect(fx.process.start({ process: bash('echo out; echo err >&2; exit 3') }));
    expect(events[0]?.case).toBe('start');
    expect(events[0]?.case === 'start' && events[0].value.pid).toBeGreaterThan(0);
    expect(text(events, 'stdout')).toBe('out\n');
    expect(text(events, 'stderr')).toBe('err\n');
    expect(endOf(events)).toMatchObject({ exitCode: 3, exited: true, status: 'exit status 3' });
  });

  it('never loses output produced before the start event reaches the client', async () => {
    for (let i = 0; i < 20; i++) {
      const events = await collect(fx.process.start({ process: { cmd: '/bin/echo', args: [`fast-${i}`], envs: {} } }));
      expect(text(events, 'stdout')).toBe(`fast-${i}\n`);
    }
  });

  it('speaks the binary Connect codec too', async () => {
    const transport = createConnectTransport({ baseUrl: fx.baseUrl, httpVersion: '1.1', useBinaryFormat: true });
    const client = createClient(Process, transport);
    const events = await collect(client.start({ process: bash('echo binary') }));
    expect(text(events, 'stdout')).toBe('binary\n');
    expect((await client.list({})).processes).toEqual([]);
  });

  it('runs as the sandbox user in its home with the sandbox env and no CODEBOX_ variables', async () => {
    const events = await collect(
      fx.process.start({ process: { ...bash('id -u; id -G; pwd; env'), envs: { OVERRIDDEN: 'request' } } }),
    );
    const [uid, groups, cwd, ...env] = text(events, 'stdout').trim().split('\n');
    expect(uid).toBe(String(TEST_UID));
    expect(groups).toBe('1000');
    expect(cwd).toBe(fx.home);
    expect(env).toEqual(expect.arrayContaining([`HOME=${fx.home}`, 'USER=user', 'LOGNAME=user', 'SHELL=/bin/bash', 'LANG=C.UTF-8', 'FROM_SANDBOX=yes', 'OVERRIDDEN=request']));
    expect(env.filter((line) => line.startsWith('CODEBOX_'))).toEqual([]);
  });

  it('reports a missing command as bash exit 127 and a missing cwd as invalid_argument', async () => {
    const events = await collect(fx.process.start({ process: bash('no-such-command-xyz') }));
    expect(endOf(events)?.exitCode).toBe(127);
    await expect(collect(fx.process.start({ process: { ...bash('true'), cwd: '/no/such/dir' } }))).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
  });

  it('refuses root and unknown users', async () => {
    await expect(collect(fx.process.start({ process: bash('id') }, { headers: fx.auth('root') }))).rejects.toMatchObject({
      code: Code.PermissionDenied,
      rawMessage: expect.stringContaining('root access is off'),
    });
    await expect(fx.process.list({}, { headers: fx.auth('nobody-here') })).rejects.toMatchObject({ code: Code.Unauthenticated });
    const events = await collect(fx.process.start({ process: bash('id -u; echo $USER') }, { headers: fx.auth('user') }));
    expect(text(events, 'stdout')).toBe('1000\nuser\n');
  });

  it('feeds stdin with SendInput and CloseStdin', async () => {
    const stream = fx.process.start({ process: bash('cat; echo done'), stdin: true });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    const pid = first.value?.event?.event.case === 'start' ? first.value.event.event.value.pid : 0;
    await fx.process.sendInput({ process: { selector: { case: 'pid', value: pid } }, input: { input: { case: 'stdin', value: Buffer.from('hello\n') } } });
    await fx.process.closeStdin({ process: { selector: { case: 'pid', value: pid } } });
    const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
    expect(text(rest, 'stdout')).toBe('hello\ndone\n');
    expect(endOf(rest)?.exitCode).toBe(0);
  });

  it('refuses stdin for a process started without it', async () => {
    const stream = fx.process.start({ process: bash('sleep 5') });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    const pid = first.value?.event?.event.case === 'start' ? first.value.event.event.value.pid : 0;
    const selector = { selector: { case: 'pid' as const, value: pid } };
    await expect(fx.process.sendInput({ process: selector, input: { input: { case: 'stdin', value: Buffer.from('x') } } })).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await fx.process.sendSignal({ process: selector, signal: processPb.Signal.SIGKILL });
    const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
    expect(endOf(rest)).toMatchObject({ exitCode: -1, exited: false, status: 'signal: killed' });
  });

  it('keeps a background process running after the client disconnects; Connect by tag re-attaches', async () => {
    const abort = new AbortController();
    const stream = fx.process.start({ process: bash('sleep 0.6; echo later; sleep 0.2'), tag: 'bg-job' }, { signal: abort.signal });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.event?.event.case).toBe('start');
    abort.abort();
    await expect(iterator.next()).rejects.toBeInstanceOf(ConnectError);

    const listed = await fx.process.list({});
    const info = listed.processes.find((candidate) => candidate.tag === 'bg-job');
    expect(info?.config?.args).toEqual(['-l', '-c', 'sleep 0.6; echo later; sleep 0.2']);

    const attached = await collect(fx.process.connect({ process: { selector: { case: 'tag', value: 'bg-job' } } }));
    expect(attached[0]).toMatchObject({ case: 'start', value: { pid: info?.pid } });
    expect(text(attached, 'stdout')).toBe('later\n');
    expect(endOf(attached)?.exitCode).toBe(0);
    await expect(collect(fx.process.connect({ process: { selector: { case: 'pid', value: info?.pid ?? 0 } } }))).rejects.toMatchObject({ code: Code.NotFound });
  });

  it('SIGTERM ends the process with a terminated status', async () => {
    const stream = fx.process.start({ process: bash('sleep 30') });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    const pid = first.value?.event?.event.case === 'start' ? first.value.event.event.value.pid : 0;
    await fx.process.sendSignal({ process: { selector: { case: 'pid', value: pid } }, signal: processPb.Signal.SIGTERM });
    const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
    expect(endOf(rest)).toMatchObject({ exited: false, status: 'signal: terminated' });
  });

  it('kills the whole process group when the Start deadline passes, even after the client left', async () => {
    const started = Date.now();
    let pid = 0;
    try {
      for await (const response of fx.process.start({ process: bash('sleep 30 & sleep 30; wait') }, { timeoutMs: 400 })) {
        if (response.event?.event.case === 'start') pid = response.event.event.value.pid;
      }
      expect.unreachable('the stream must fail with deadline_exceeded');
    } catch (error) {
      expect(ConnectError.from(error).code).toBe(Code.DeadlineExceeded);
    }
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(pid).toBeGreaterThan(0);
    for (let i = 0; i < 50 && groupAlive(pid); i++) await sleep(50);
    expect(groupAlive(pid)).toBe(false);
  });

  it('sends keepalive events on an idle stream at the requested interval', async () => {
    const events = await collect(
      fx.process.start({ process: bash('sleep 2.3; echo ok') }, { headers: { 'Keepalive-Ping-Interval': '1' } }),
    );
    expect(events.filter((event) => event.case === 'keepalive').length).toBeGreaterThanOrEqual(2);
    expect(text(events, 'stdout')).toBe('ok\n');
  });

  it('refuses PTY processes without the sandbox-exec helper (it does the terminal ioctls)', async () => {
    await expect(collect(fx.process.start({ process: bash('true'), pty: { size: { cols: 80, rows: 24 } } }))).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
  });
});

describe('process service through sandbox-exec', () => {
  let fx: AgentFixture;
  let helperDir: string;
  beforeAll(async () => {
    helperDir = mkdtempSync(join(tmpdir(), 'codebox-sandbox-exec-'));
    fx = await startAgent({ sandboxExecPath: buildSandboxExec(helperDir) });
  });
  afterAll(async () => {
    await fx.close();
    rmSync(helperDir, { recursive: true, force: true });
  });

  it('starts user processes with no capabilities, no_new_privs and a seccomp filter', async () => {
    expect(fx.agent.hardened).toBe(true);
    const events = await collect(fx.process.start({ process: bash('id -u; id -G; grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status') }));
    const lines = text(events, 'stdout').trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(['1000', '1000']);
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) {
      expect(lines).toContain(`${set}:\t0000000000000000`);
    }
    expect(lines).toContain('NoNewPrivs:\t1');
    expect(lines).toContain('Seccomp:\t2');
  });

  it('denies io_uring_setup with EPERM', async () => {
    requireCommand('python3', 'the io_uring probe');
    const probe =
      "import ctypes; l=ctypes.CDLL(None, use_errno=True); l.syscall.restype=ctypes.c_long; " +
      'r=l.syscall(425, 1, ctypes.create_string_buffer(120)); print(r, ctypes.get_errno())';
    const events = await collect(fx.process.start({ process: { cmd: 'python3', args: ['-c', probe], envs: {} } }));
    expect(text(events, 'stdout').trim()).toBe('-1 1');
  });

  describe('PTY processes', () => {
    const POLL = { timeout: 10_000 } as const;
    const ptyText = (events: Event[]): string =>
      events.map((event) => (event.case === 'data' && event.value.output.case === 'pty' ? Buffer.from(event.value.output.value).toString() : '')).join('');
    const pidOf = (events: Event[]): number => (events[0]?.case === 'start' ? events[0].value.pid : 0);
    const typeIn = (pid: number, input: string) =>
      fx.process.sendInput({ process: { selector: { case: 'pid', value: pid } }, input: { input: { case: 'pty', value: Buffer.from(input) } } });

    /** Starts `bash -i` in a terminal and collects its stream in the background. */
    function startShell(size = { cols: 80, rows: 24 }) {
      const events: Event[] = [];
      const done = (async () => {
        for await (const response of fx.process.start({ process: { cmd: '/bin/bash', args: ['-i'], envs: { TERM: 'xterm' } }, pty: { size } })) {
          if (response.event) events.push(response.event.event);
        }
      })();
      return { events, done };
    }

    it('runs the command in a terminal as the user, under the same hardening, and streams pty data', async () => {
      const events = await collect(
        fx.process.start({
          process: bash('test -t 0 && test -t 1 && echo tty; stty size; id -u; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; exit 4'),
          pty: { size: { cols: 100, rows: 30 } },
        }),
      );
      const output = ptyText(events);
      expect(output).toContain('tty\r\n30 100\r\n1000\r\n');
      expect(output).toContain('CapEff:\t0000000000000000');
      expect(output).toContain('NoNewPrivs:\t1');
      expect(output).toContain('Seccomp:\t2');
      expect(text(events, 'stdout')).toBe('');
      expect(endOf(events)).toMatchObject({ exitCode: 4, exited: true });
    });

    it('takes typed input, resizes with SIGWINCH, and ends with the exit code', async () => {
      const shell = startShell();
      await expect.poll(() => shell.events.length, POLL).toBeGreaterThan(0);
      const pid = pidOf(shell.events);
      await typeIn(pid, "trap 'echo winch' WINCH; echo typed-$((6*7))\n");
      await expect.poll(() => ptyText(shell.events), POLL).toContain('typed-42');
      await fx.process.update({ process: { selector: { case: 'pid', value: pid } }, pty: { size: { cols: 132, rows: 50 } } });
      await typeIn(pid, 'stty size\n');
      await expect.poll(() => ptyText(shell.events), POLL).toContain('50 132');
      // A burst of sizes (a window being dragged) is coalesced: every call settles, and a size set
      // after the burst is what the terminal has (the burst's own order over several connections is not defined).
      const resize = (cols: number) => fx.process.update({ process: { selector: { case: 'pid', value: pid } }, pty: { size: { cols, rows: 30 } } });
      await Promise.all(Array.from({ length: 20 }, (_, i) => resize(40 + i)));
      await resize(59);
      await typeIn(pid, 'stty size\n');
      await expect.poll(() => ptyText(shell.events), POLL).toContain('30 59');
      expect(ptyText(shell.events)).toContain('winch');
      await typeIn(pid, 'exit 7\n');
      await shell.done;
      expect(endOf(shell.events)).toMatchObject({ exitCode: 7, exited: true });
    });

    it('interrupts the foreground job on Ctrl-C, and SIGKILL takes background jobs of the session too', async () => {
      const shell = startShell();
      await expect.poll(() => shell.events.length, POLL).toBeGreaterThan(0);
      const pid = pidOf(shell.events);
      await typeIn(pid, 'sleep 300 & echo job=$!\n');
      await expect.poll(() => /job=(\d+)/.exec(ptyText(shell.events))?.[1], POLL).toBeDefined();
      const job = Number(/job=(\d+)/.exec(ptyText(shell.events))?.[1]);
      // The job says when it runs (in the terminal's foreground group by then), so ^C cannot reach bash before it.
      await typeIn(pid, "sh -c 'echo ready-$$; exec sleep 300'\n");
      await expect.poll(() => ptyText(shell.events), POLL).toMatch(/ready-\d+/);
      await typeIn(pid, '\x03');
      await typeIn(pid, 'echo after-$?\n');
      await expect.poll(() => ptyText(shell.events), POLL).toContain('after-130');
      await fx.process.sendSignal({ process: { selector: { case: 'pid', value: pid } }, signal: processPb.Signal.SIGKILL });
      await shell.done;
      expect(endOf(shell.events)).toMatchObject({ exited: false, status: 'signal: killed' });
      // Killed: gone, or a zombie its new parent (the host's init here) has not reaped yet.
      await expect.poll(() => processState(job), POLL).toMatch(/^(gone|Z)$/);
    });

    it('answers typed errors for pty input to a piped process, stdin to a terminal and bad sizes', async () => {
      const piped: Event[] = [];
      const pipedDone = (async () => {
        for await (const response of fx.process.start({ process: bash('sleep 30'), stdin: true })) if (response.event) piped.push(response.event.event);
      })();
      await expect.poll(() => piped.length, POLL).toBeGreaterThan(0);
      const pid = pidOf(piped);
      await expect(typeIn(pid, 'x')).rejects.toMatchObject({ code: Code.FailedPrecondition });
      await expect(fx.process.update({ process: { selector: { case: 'pid', value: pid } }, pty: { size: { cols: 10, rows: 10 } } })).rejects.toMatchObject({
        code: Code.FailedPrecondition,
      });
      await fx.process.sendSignal({ process: { selector: { case: 'pid', value: pid } }, signal: processPb.Signal.SIGKILL });
      await pipedDone;
      await expect(collect(fx.process.start({ process: bash('true'), pty: { size: { cols: 0, rows: 24 } } }))).rejects.toMatchObject({
        code: Code.InvalidArgument,
      });
      const shell = startShell();
      await expect.poll(() => shell.events.length, POLL).toBeGreaterThan(0);
      const shellPid = pidOf(shell.events);
      await expect(
        fx.process.sendInput({ process: { selector: { case: 'pid', value: shellPid } }, input: { input: { case: 'stdin', value: Buffer.from('x') } } }),
      ).rejects.toMatchObject({ code: Code.FailedPrecondition });
      await typeIn(shellPid, 'exit\n');
      await shell.done;
    });
  });
});
