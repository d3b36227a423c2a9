import { mkdtempSync, rmSync } from 'node:fs';
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

  it('answers unimplemented for PTY requests', async () => {
    await expect(collect(fx.process.start({ process: bash('true'), pty: { size: { cols: 80, rows: 24 } } }))).rejects.toMatchObject({
      code: Code.Unimplemented,
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
});
