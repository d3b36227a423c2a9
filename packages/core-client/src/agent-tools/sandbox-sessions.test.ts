import { afterEach, describe, expect, it, vi } from 'vitest';
import { Sandbox, type SandboxOpts } from '../sandbox/sandbox.js';
import { SandboxNotFoundError } from '../errors.js';
import { SessionLimitError, SessionsClosedError } from './errors.js';
import { LIFETIME_MARGIN_MS, SandboxSessions, type SandboxFactory } from './sandbox-sessions.js';

/** A structural stand-in for `Sandbox.create`: records creations, kills and lifetime renewals. */
class FakeSandbox {
  static created: FakeSandbox[] = [];
  killed = 0;
  timeouts: number[] = [];
  failTimeout?: Error;
  constructor(
    readonly sandboxId: string,
    readonly opts: SandboxOpts | undefined,
  ) {}
  async kill(): Promise<boolean> {
    this.killed++;
    return true;
  }
  async setTimeout(ms: number): Promise<void> {
    if (this.failTimeout) throw this.failTimeout;
    this.timeouts.push(ms);
  }
}

function factory(hooks: { before?: () => Promise<void> } = {}): SandboxFactory<FakeSandbox> & { calls: number } {
  const f = {
    calls: 0,
    async create(opts?: SandboxOpts): Promise<FakeSandbox> {
      f.calls++;
      await hooks.before?.();
      const sandbox = new FakeSandbox(`sbx${FakeSandbox.created.length}`, opts);
      FakeSandbox.created.push(sandbox);
      return sandbox;
    },
  };
  return f;
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const live = () => FakeSandbox.created.filter((s) => s.killed === 0);

describe('SandboxSessions', () => {
  afterEach(() => {
    FakeSandbox.created = [];
    vi.useRealTimers();
  });

  it('creates a sandbox on first use only, then reuses it, with the template, options and a lifetime past the idle timeout', async () => {
    const sandboxClass = factory();
    await using sessions = new SandboxSessions({
      sandboxClass,
      template: 'code-interpreter-v1',
      sandboxOpts: { metadata: { app: 'test' } },
      idleTimeoutMs: 1000,
      closeOnExit: false,
    });
    expect(sandboxClass.calls).toBe(0);
    const a = await sessions.get('t1');
    expect(await sessions.get('t1')).toBe(a);
    expect(await sessions.withSession('t1', async (s) => s)).toBe(a);
    expect(sandboxClass.calls).toBe(1);
    expect(a.opts).toEqual({ metadata: { app: 'test' }, template: 'code-interpreter-v1', timeoutMs: 1000 + LIFETIME_MARGIN_MS });
    const b = await sessions.get('t2');
    expect(b).not.toBe(a);
    expect(sessions.sessionIds()).toEqual(['t1', 't2']);
  });

  it('shares one creation between calls racing for a new session', async () => {
    const gate = deferred();
    const sandboxClass = factory({ before: () => gate.promise });
    await using sessions = new SandboxSessions({ sandboxClass, closeOnExit: false });
    const calls = [sessions.get('t'), sessions.get('t'), sessions.withSession('t', async (s) => s)];
    gate.resolve();
    const [x, y, z] = await Promise.all(calls);
    expect(sandboxClass.calls).toBe(1);
    expect(x).toBe(y);
    expect(y).toBe(z);
  });

  it('refuses a session past maxSessions with SessionLimitError, creating nothing', async () => {
    const sandboxClass = factory();
    await using sessions = new SandboxSessions({ sandboxClass, maxSessions: 2, closeOnExit: false });
    await sessions.get('a');
    await sessions.get('b');
    const err = await sessions.get('c').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionLimitError);
    expect(err).toMatchObject({ name: 'SessionLimitError', limit: 2, sessionId: 'c' });
    expect((err as Error).message).toMatch(/2 sessions are already live.*maxSessions/);
    expect(sandboxClass.calls).toBe(2);
    // Existing sessions still work, and ending one makes room.
    await sessions.get('a');
    expect(await sessions.kill('b')).toBe(true);
    await sessions.get('c');
    expect(sandboxClass.calls).toBe(3);
  });

  it('kills a session idle for idleTimeoutMs, and not while withSession holds it', async () => {
    vi.useFakeTimers();
    await using sessions = new SandboxSessions({ sandboxClass: factory(), idleTimeoutMs: 1000, closeOnExit: false });
    const first = await sessions.get('t');
    await vi.advanceTimersByTimeAsync(999);
    expect(first.killed).toBe(0);
    await sessions.get('t'); // use restarts the clock
    await vi.advanceTimersByTimeAsync(999);
    expect(first.killed).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.killed).toBe(1);
    expect(sessions.has('t')).toBe(false);

    const release = deferred();
    const held = sessions.withSession('t', () => release.promise);
    await vi.advanceTimersByTimeAsync(5000);
    const second = FakeSandbox.created[1];
    expect(second?.killed).toBe(0);
    release.resolve();
    await held;
    await vi.advanceTimersByTimeAsync(1000);
    expect(second?.killed).toBe(1);
  });

  it('keeps a session whose caller threw, and kills it on close', async () => {
    const sessions = new SandboxSessions({ sandboxClass: factory(), closeOnExit: false });
    await expect(sessions.withSession('t', () => Promise.reject(new Error('agent failed')))).rejects.toThrow('agent failed');
    expect(sessions.has('t')).toBe(true);
    await sessions.close();
    expect(live()).toEqual([]);
    await expect(sessions.get('t')).rejects.toBeInstanceOf(SessionsClosedError);
  });

  it('forgets a failed creation, so the next call tries again', async () => {
    let fail = true;
    const sandboxClass = factory({
      before: async () => {
        if (fail) throw new Error('runner unreachable');
      },
    });
    await using sessions = new SandboxSessions({ sandboxClass, closeOnExit: false });
    await expect(sessions.get('t')).rejects.toThrow('runner unreachable');
    expect(sessions.size).toBe(0);
    fail = false;
    await expect(sessions.get('t')).resolves.toBeInstanceOf(FakeSandbox);
  });

  it('kills the sandbox when onCreate fails half-way, and reports onCreate\'s error', async () => {
    await using sessions = new SandboxSessions({
      sandboxClass: factory(),
      closeOnExit: false,
      onCreate: async () => {
        throw new Error('pip install failed');
      },
    });
    await expect(sessions.get('t')).rejects.toThrow('pip install failed');
    expect(FakeSandbox.created).toHaveLength(1);
    expect(FakeSandbox.created[0]?.killed).toBe(1);
    expect(sessions.size).toBe(0);
  });

  it('on close during a creation, kills the sandbox when it arrives and fails the waiters', async () => {
    const gate = deferred();
    const sessions = new SandboxSessions({ sandboxClass: factory({ before: () => gate.promise }), closeOnExit: false });
    const waiting = sessions.get('t');
    const closed = sessions.close();
    gate.resolve();
    await expect(waiting).rejects.toBeInstanceOf(SessionsClosedError);
    await closed;
    expect(FakeSandbox.created).toHaveLength(1);
    expect(FakeSandbox.created[0]?.killed).toBe(1);
  });

  it('disposes with await using even when the block throws', async () => {
    const run = async (): Promise<void> => {
      await using sessions = new SandboxSessions({ sandboxClass: factory(), closeOnExit: false });
      await sessions.get('a');
      await sessions.get('b');
      throw new Error('agent crashed');
    };
    await expect(run()).rejects.toThrow('agent crashed');
    expect(FakeSandbox.created).toHaveLength(2);
    expect(live()).toEqual([]);
  });

  it('renews the sandbox lifetime once half of it is used, and replaces a sandbox that vanished', async () => {
    vi.useFakeTimers();
    await using sessions = new SandboxSessions({ sandboxClass: factory(), idleTimeoutMs: 0, sandboxOpts: { timeoutMs: 10_000 }, closeOnExit: false });
    const first = await sessions.get('t');
    await vi.advanceTimersByTimeAsync(4000);
    await sessions.get('t');
    expect(first.timeouts).toEqual([]);
    await vi.advanceTimersByTimeAsync(2000);
    await sessions.get('t');
    expect(first.timeouts).toEqual([10_000]);

    await vi.advanceTimersByTimeAsync(6000);
    first.failTimeout = new SandboxNotFoundError('sandbox expired');
    const second = await sessions.get('t');
    expect(second).not.toBe(first);
    expect(first.killed).toBe(1);
  });

  it('tries every kill on close and reports the failures together', async () => {
    const sessions = new SandboxSessions({ sandboxClass: factory(), closeOnExit: false });
    const a = await sessions.get('a');
    const b = await sessions.get('b');
    a.kill = async () => {
      throw new Error('network down');
    };
    const err = await sessions.close().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors.map((e: Error) => e.message)).toEqual(['network down']);
    expect(b.killed).toBe(1);
  });

  it('listens for process exit while it has sessions, and stops when closed', async () => {
    const before = process.listenerCount('SIGTERM');
    const sessions = new SandboxSessions({ sandboxClass: factory() });
    expect(process.listenerCount('SIGTERM')).toBe(before);
    await sessions.get('t');
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    await sessions.close();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('validates its options', () => {
    expect(() => new SandboxSessions({ maxSessions: 0 })).toThrow(/maxSessions must be a positive integer/);
    expect(() => new SandboxSessions({ idleTimeoutMs: -1 })).toThrow(/idleTimeoutMs/);
    expect(() => new SandboxSessions({ idleTimeoutMs: Infinity })).toThrow(/idleTimeoutMs/);
  });
});

// `Sandbox` itself must fit the factory type the default is cast to.
const sandboxIsAFactory: SandboxFactory<Sandbox> = Sandbox;
void sandboxIsAFactory;
