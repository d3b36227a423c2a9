import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { create, toBinary } from '@bufbuild/protobuf';
import { processPb } from '@codebox/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox as CodeboxSandbox } from '@codebox/core-client';
import { UNDER_RUNSC } from '../support/runsc-exclusions.js';
import { useRunner } from '../support/use-runner.js';
import { clients, codeboxClient } from './clients.js';

const runner = useRunner();

/**
 * The agent's memory in MiB. Under runc: its resident set, read on the host's /proc (nothing runs
 * in the sandbox). Under gVisor guest processes have no host pids, and the sentry's per-process
 * VmRSS is not a resident set (it says 2 MiB for the agent's Node, measured), so it is the
 * memory the sentry's own /proc/meminfo counts as used by the whole sandbox: the agent is nearly
 * all of it (`yes` and the pipes are a few MiB), and any growth of the agent's shows there.
 */
function agentMemoryMiB(sandboxId: string): number {
  return UNDER_RUNSC ? sandboxMemoryInGvisorMiB(sandboxId) : agentRssOnHostMiB(sandboxId);
}

function agentRssOnHostMiB(sandboxId: string): number {
  const init = execFileSync('docker', ['inspect', '-f', '{{.State.Pid}}', `codebox-${sandboxId}`], { encoding: 'utf8' }).trim();
  // The agent is the first Node process running agent.mjs below docker-init: its child, or deeper
  // in root mode (sandbox-exec's root-namespace helper starts it). Breadth first, so user
  // processes (all started by the agent) come after it.
  const queue = [init];
  let agent: string | undefined;
  while (queue.length > 0 && !agent) {
    const pid = queue.shift()!;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv[0]?.endsWith('/node') && argv.some((arg) => arg.endsWith('agent.mjs'))) agent = pid;
    else queue.push(...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
  }
  if (!agent) throw new Error(`no agent process below ${init}`);
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${agent}/status`, 'utf8'))?.[1];
  return Number(rss) / 1024;
}

/** MemTotal - MemFree of the sentry's /proc/meminfo, read through `docker exec` (runsc exec, a process in the same sandbox). */
function sandboxMemoryInGvisorMiB(sandboxId: string): number {
  const meminfo = execFileSync('docker', ['exec', `codebox-${sandboxId}`, 'cat', '/proc/meminfo'], { encoding: 'utf8' });
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1] ?? NaN);
  const used = (kib('MemTotal') - kib('MemFree')) / 1024;
  if (!Number.isFinite(used)) throw new Error(`no MemTotal/MemFree in the sandbox's /proc/meminfo:\n${meminfo}`);
  return used;
}

type Format = 'json' | 'proto';
/** How the client reads: as fast as it can, at a fixed byte rate, or not at all. */
type Pace = 'fast' | 'stalled' | { readonly bytesPerSecond: number };

interface RawStream {
  readonly response: Promise<IncomingMessage>;
  received(): number;
  /** Reads everything left (at full speed) and resolves with the last bytes of the stream. */
  finish(ms: number): Promise<string>;
  close(): void;
}

function envelope(format: Format, rpc: 'Start' | 'Connect', tag: string, command: string): Buffer {
  const payload =
    rpc === 'Start'
      ? format === 'json'
        ? Buffer.from(JSON.stringify({ process: { cmd: '/bin/bash', args: ['-c', command] }, tag }))
        : Buffer.from(toBinary(processPb.StartRequestSchema, create(processPb.StartRequestSchema, { process: { cmd: '/bin/bash', args: ['-c', command] }, tag })))
      : format === 'json'
        ? Buffer.from(JSON.stringify({ process: { tag } }))
        : Buffer.from(
            toBinary(processPb.ConnectRequestSchema, create(processPb.ConnectRequestSchema, { process: { selector: { case: 'tag', value: tag } } })),
          );
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/**
 * A Connect server stream (process.Start / Connect) read by a client at `pace`, through the
 * runner. Raw HTTP because neither SDK lets a caller read slowly: they read as fast as they can.
 */
function openStream(sandboxId: string, rpc: 'Start' | 'Connect', format: Format, tag: string, command: string, pace: Pace): RawStream {
  const body = envelope(format, rpc, tag, command);
  let received = 0;
  let tail = Buffer.alloc(0);
  let timer: NodeJS.Timeout | undefined;
  const keep = (chunk: Buffer): void => {
    received += chunk.length;
    tail = Buffer.concat([tail, chunk]).subarray(-4096);
  };
  const req = request(`${runner().url}/process.Process/${rpc}`, {
    method: 'POST',
    headers: {
      'content-type': `application/connect+${format}`,
      'connect-protocol-version': '1',
      authorization: `Basic ${Buffer.from('user:').toString('base64')}`,
      'E2b-Sandbox-Id': sandboxId,
      'E2b-Sandbox-Port': '49983',
      'content-length': body.length,
    },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', (res) => {
      if (pace === 'fast') res.on('data', keep);
      else {
        res.pause();
        if (pace !== 'stalled') {
          const perTick = Math.max(1, Math.round(pace.bytesPerSecond / 10));
          timer = setInterval(() => {
            const chunk = res.read(Math.min(perTick, res.readableLength)) as Buffer | null;
            if (chunk) keep(chunk);
          }, 100);
        }
      }
      resolve(res);
    });
    req.once('error', reject);
  });
  req.end(body);
  return {
    response,
    received: () => received,
    async finish(ms) {
      clearInterval(timer);
      const res = await response;
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`stream did not end within ${ms} ms`)), ms);
        res.removeListener('data', keep);
        res.on('data', keep);
        res.once('end', () => {
          clearTimeout(deadline);
          resolve(tail.toString('latin1'));
        });
        res.once('error', (error) => {
          clearTimeout(deadline);
          reject(error);
        });
        res.resume();
      });
    },
    close() {
      clearInterval(timer);
      req.destroy();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Samples the agent's memory every 500 ms for `ms`, and after that until `until()` holds (at most
 * 30 s more: on a busy machine the flow after a cut can take a while); returns the largest value.
 */
async function peakRssDuring(sandboxId: string, ms: number, until: () => boolean = () => true): Promise<number> {
  let peak = 0;
  const start = Date.now();
  while (Date.now() - start < ms || (!until() && Date.now() - start < ms + 30_000)) {
    peak = Math.max(peak, agentMemoryMiB(sandboxId));
    await sleep(500);
  }
  return peak;
}

/**
 * Allowed growth of the agent's RSS while its pipes are paused (slow or stalled readers): the
 * queues hold 256 KiB a subscriber plus a pipe read or two. Without backpressure a stalled
 * reader grows it by hundreds of MiB in seconds, until the sandbox is OOM-killed.
 */
const MAX_GROWTH_MIB = 48;
/**
 * While output flows at full speed (a fast reader, or output nobody reads being dropped) the
 * agent allocates a 64 KiB buffer per pipe read at up to GB/s, and V8 frees them only at its
 * next GC: a bare Node process discarding `yes` peaks about 60 MiB above its baseline here. The
 * bound is that churn, not a queue; the unfixed agent passes it within a second.
 */
const MAX_CHURN_GROWTH_MIB = 160;
/**
 * How long each flood is watched. The unfixed agent grew by hundreds of MiB within seconds (past
 * MAX_GROWTH_MIB in under one), so a few seconds of sampling tell a bounded agent from an
 * unbounded one; a window per case of 10 s only made the file slow (96 s under runc).
 */
const FLOOD_WINDOW_MS = 4_000;
/** A subscriber holding the others back is cut after 5 s (managed-process.ts, stallMs): watch past that. */
const STALL_CUT_WINDOW_MS = 8_000;
/** Far more than the bounded queues can hold (256 KiB a subscriber): output kept flowing to a fast reader. */
const KEPT_FLOWING_BYTES = 4 * 1024 * 1024;

/** Finding 6 of issue 8: no output rate and no reading rate can make the agent's memory grow without bound. */
describe('process output backpressure', () => {
  let sandbox: CodeboxSandbox;
  /**
   * The agent's memory as a test starts: the bounds are on what one case makes the agent hold.
   * Measured from the first case's start instead, later cases also counted the heap earlier
   * floods left V8 holding (freed, not returned): 5-7 MiB a case, flat over eight stalled/slow
   * cases in a row (no leak), but it took the fourth case to 41-48 MiB on a loaded CI machine.
   */
  let baseline: number;
  const streams: RawStream[] = [];
  const stillServes = async (): Promise<void> => {
    const echo = await sandbox.commands.run('echo alive', { timeoutMs: 10_000 });
    expect(echo.stdout).toBe('alive\n');
  };

  beforeAll(async () => {
    const { Sandbox } = codeboxClient.module;
    sandbox = await Sandbox.create('base', { secure: false });
    await stillServes();
    // A Node process: tens of MiB. Less means the wrong process was measured.
    expect(agentMemoryMiB(sandbox.sandboxId)).toBeGreaterThan(20);
  });
  beforeEach(() => {
    baseline = agentMemoryMiB(sandbox.sandboxId);
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await sandbox.commands.run('pkill -x yes; pkill -f "^cat /dev/zero"; true');
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  const cases: [Format, Pace][] = [
    ['json', 'stalled'],
    ['proto', 'stalled'],
    ['json', { bytesPerSecond: 2048 }],
    ['proto', { bytesPerSecond: 2048 }],
    ['json', { bytesPerSecond: 256 * 1024 }],
    ['proto', 'fast'],
  ];
  it.each(cases)('keeps the agent bounded under `yes` with a %s client reading %j', async (format, pace) => {
    const stream = openStream(sandbox.sandboxId, 'Start', format, `flood-${format}`, 'yes', pace);
    streams.push(stream);
    expect((await stream.response).statusCode).toBe(200);
    const peak = await peakRssDuring(sandbox.sandboxId, FLOOD_WINDOW_MS);
    console.log(`agent RSS: baseline ${baseline.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB (${format}, ${JSON.stringify(pace)}, read ${stream.received()} B)`);
    expect(peak - baseline).toBeLessThan(pace === 'fast' ? MAX_CHURN_GROWTH_MIB : MAX_GROWTH_MIB);
    await stillServes();
    if (pace === 'fast') expect(stream.received()).toBeGreaterThan(KEPT_FLOWING_BYTES);
  });

  it('cuts a stalled subscriber so a fast one on the same process keeps receiving', async () => {
    const stalled = openStream(sandbox.sandboxId, 'Start', 'json', 'shared', 'yes', 'stalled');
    streams.push(stalled);
    expect((await stalled.response).statusCode).toBe(200);
    const fast = openStream(sandbox.sandboxId, 'Connect', 'proto', 'shared', '', 'fast');
    const slow = openStream(sandbox.sandboxId, 'Connect', 'json', 'shared', '', { bytesPerSecond: 1024 });
    streams.push(fast, slow);
    expect((await fast.response).statusCode).toBe(200);
    const peak = await peakRssDuring(sandbox.sandboxId, STALL_CUT_WINDOW_MS, () => fast.received() > KEPT_FLOWING_BYTES);
    console.log(`agent RSS with stalled+slow+fast subscribers: baseline ${baseline.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB, fast read ${fast.received()} B`);
    expect(peak - baseline).toBeLessThan(MAX_CHURN_GROWTH_MIB);
    // The fast subscriber got far more than the bounded queues could hold: output went on.
    expect(fast.received()).toBeGreaterThan(KEPT_FLOWING_BYTES);
    // The stalled one was cut with an end-of-stream error naming why; its process runs on.
    const end = await stalled.finish(15_000);
    expect(end).toMatch(/"code":"aborted".*read more slowly/);
    await stillServes();
    expect((await sandbox.commands.run('pgrep -x yes')).exitCode).toBe(0);
  });

  it('keeps a process with no subscriber from growing the agent (its output is dropped)', async () => {
    const handle = await sandbox.commands.run('yes', { background: true });
    await handle.disconnect();
    const peak = await peakRssDuring(sandbox.sandboxId, FLOOD_WINDOW_MS);
    console.log(`agent RSS with an unread background \`yes\`: baseline ${baseline.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB`);
    expect(peak - baseline).toBeLessThan(MAX_CHURN_GROWTH_MIB);
    await stillServes();
  });

  describe.each(clients)('through the $name client', ({ module }) => {
    it('delivers every byte of a fast command to an SDK reader while pausing and resuming it', async () => {
      const connected = await module.Sandbox.connect(sandbox.sandboxId);
      let bytes = 0;
      const result = await connected.commands.run('head -c 10000000 /dev/zero | tr "\\0" x; echo -n END >&2', {
        onStdout: (data) => {
          bytes += data.length;
        },
        timeoutMs: 120_000,
      });
      expect(result.exitCode).toBe(0);
      expect(bytes).toBe(10_000_000);
      expect(result.stderr).toBe('END');
      expect(agentMemoryMiB(sandbox.sandboxId) - baseline).toBeLessThan(MAX_CHURN_GROWTH_MIB);
    });
  });
});
