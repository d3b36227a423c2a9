import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamTooSlowError } from '../errors.js';
import { ManagedProcess, type OutputLimits, type ProcessOutput } from './managed-process.js';

const LIMITS: OutputLimits = { highWaterBytes: 64 * 1024, lowWaterBytes: 16 * 1024, stallMs: 300 };
const started: ManagedProcess[] = [];

function start(script: string, limits = LIMITS): ManagedProcess {
  const child = spawn('/bin/sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const managed = new ManagedProcess(child, { cmd: '/bin/sh', args: ['-c', script], envs: {}, cwd: '/' }, limits);
  started.push(managed);
  return managed;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads `outputs` until the end event, counting stdout bytes. */
async function drain(outputs: AsyncIterable<ProcessOutput>, pauseEveryMs = 0): Promise<{ bytes: number; end: boolean }> {
  let bytes = 0;
  let end = false;
  let last = Date.now();
  for await (const output of outputs) {
    if (output.kind === 'stdout') bytes += output.data.byteLength;
    if (output.kind === 'end') end = true;
    if (pauseEveryMs > 0 && Date.now() - last > pauseEveryMs) {
      await sleep(pauseEveryMs);
      last = Date.now();
    }
  }
  return { bytes, end };
}

afterEach(() => {
  for (const managed of started.splice(0)) managed.signal('SIGKILL');
});

describe('ManagedProcess output backpressure (real child processes)', () => {
  it('delivers every byte and then the end to a subscriber that keeps pausing', async () => {
    const managed = start('head -c 3000000 /dev/zero');
    const result = await drain(managed.subscribe(new AbortController().signal), 20);
    expect(result).toEqual({ bytes: 3_000_000, end: true });
  });

  it('stops reading the pipes while a lone subscriber does not read, and never cuts it', async () => {
    const managed = start('yes');
    const iterator = managed.subscribe(new AbortController().signal)[Symbol.asyncIterator]();
    await iterator.next();
    // The scenario, not a wait for something: a reader that idles for three stall periods.
    await sleep(LIMITS.stallMs * 3);
    // Paused: `yes` is blocked on a full pipe, the queue holds at most the bound plus one read.
    let queued = 0;
    for (;;) {
      const next = await Promise.race([iterator.next(), sleep(50).then(() => undefined)]);
      if (!next || next.done) break;
      const output = next.value;
      if (output.kind === 'stdout') queued += output.data.byteLength;
      if (queued > 4 * LIMITS.highWaterBytes) break;
    }
    // It still flows when read: the subscriber was paced, not cut.
    expect(queued).toBeGreaterThan(4 * LIMITS.highWaterBytes);
    expect(managed.subscriberCount).toBe(1);
  });

  it('cuts a stalled subscriber that holds back a reading one, which then gets output again', async () => {
    const managed = start('yes');
    const stalled = managed.subscribe(new AbortController().signal)[Symbol.asyncIterator]();
    await stalled.next();
    const reader = new AbortController();
    let bytes = 0;
    const reading = (async () => {
      for await (const output of managed.subscribe(reader.signal)) if (output.kind === 'stdout') bytes += output.data.byteLength;
    })();
    await vi.waitFor(() => expect(managed.subscriberCount).toBe(1), { timeout: 10_000 });
    const before = bytes;
    await vi.waitFor(() => expect(bytes - before).toBeGreaterThan(1024 * 1024), { timeout: 10_000 });
    // What the stalled one had queued was dropped; its next read says why.
    await expect(stalled.next()).rejects.toBeInstanceOf(StreamTooSlowError);
    reader.abort();
    await reading;
  });

  it('drops output nobody subscribes to instead of queueing it', async () => {
    const managed = start('head -c 20000000 /dev/zero; echo done >&2');
    // With nobody reading, the process still writes all 20 MB and exits: it was never blocked.
    await vi.waitFor(() => expect(managed.end).toMatchObject({ exited: true, exitCode: 0 }), { timeout: 30_000 });
    const late = await drain(managed.subscribe(new AbortController().signal));
    // And nothing of it was queued for a later subscriber.
    expect(late).toEqual({ bytes: 0, end: true });
  });

  it('lets go of a subscriber whose signal aborts and resumes the pipes for the others', async () => {
    const managed = start('yes');
    const gone = new AbortController();
    const stuck = managed.subscribe(gone.signal)[Symbol.asyncIterator]();
    await stuck.next();
    // The scenario: the stuck reader idles while `yes` fills its queue and pauses the pipes.
    await sleep(100);
    gone.abort();
    await expect(stuck.next()).resolves.toEqual({ value: undefined, done: true });
    expect(managed.subscriberCount).toBe(0);
    const next = managed.subscribe(new AbortController().signal)[Symbol.asyncIterator]();
    expect((await next.next()).value).toMatchObject({ kind: 'stdout' });
  });
});
