// EventBridgeKernel's process handling (start failures, crashes, ignored interrupts) against small
// real bridge programs run by this host's Node, as uid 1000 when the tests run as root (Node
// staged where uid 1000 can run it, see sandbox-user-files.ts).
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessLauncher } from '../../services/process-launcher.js';
import type { KernelHost } from '../kernel-factories.js';
import { record } from '../../testing/recording-sink.js';
import { stageForSandboxUser } from '../../testing/sandbox-user-files.js';
import { EventBridgeKernel, type EventBridgeSpec } from './event-bridge-kernel.js';

// A bridge speaking the event protocol on stdout: `hang` ignores interrupts, `exit` dies,
// anything else is echoed as output then a result.
const BRIDGE = `
const emit = (event) => process.stdout.write('\\x1e' + JSON.stringify(event) + '\\n');
process.on('SIGINT', () => {});
if (process.argv[1] === 'never-ready') setInterval(() => {}, 1000);
else if (process.argv[1] === 'crash') { process.stderr.write('bridge cannot load its runtime'); process.exit(2); }
else emit({ type: 'ready' });
let count = 0;
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line);
  if (command.type !== 'execute') return;
  if (command.code === 'hang') { setInterval(() => {}, 1000); return; }
  if (command.code === 'exit') process.exit(5);
  count += 1;
  process.stdout.write('plain ' + (command.env.V ?? '') + '\\n');
  emit({ type: 'done', id: command.id + 1000 });
  emit({ type: 'result', data: { 'text/plain': command.code }, main: true });
  emit({ type: 'done', id: command.id, execution_count: count });
});
`;

const files = stageForSandboxUser();
afterAll(() => files.close());

function kernel(mode: string, startTimeoutMs = 10_000): EventBridgeKernel {
  const logger = pino({ level: 'silent' });
  const host: KernelHost = {
    launcher: new ProcessLauncher(undefined, logger),
    user: { name: 'user', uid: 1000, gid: 1000, home: '/tmp' },
    kernelsDir: '/nonexistent',
    nodePath: files.nodePath,
    logger,
  };
  const spec: EventBridgeSpec = {
    language: 'python',
    command: { cmd: files.nodePath, args: ['-e', BRIDGE, mode] },
    channel: 'stdout',
    interrupt: 'signal',
    startTimeoutMs,
  };
  return new EventBridgeKernel(spec, host, { cwd: '/tmp', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
}

describe('EventBridgeKernel', () => {
  it('runs executions in order, passing plain output, results and counts', async () => {
    const bridge = kernel('normal');
    const first = await record(bridge, 'one', { envVars: { V: 'x' } });
    expect(first.order).toEqual(['stdout:plain x\n', 'main-result']);
    expect(first.outcome).toEqual({ executionCount: 1 });
    expect((await record(bridge, 'two')).outcome).toEqual({ executionCount: 2 });
    await bridge.shutdown();
  });

  it('fails to start with the bridge\'s own words when it exits first', async () => {
    const bridge = kernel('crash');
    await expect(bridge.start()).rejects.toMatchObject({
      name: 'KernelStartError',
      message: expect.stringMatching(/exited with code 2: bridge cannot load its runtime/),
    });
  });

  it('gives up on a bridge that never says ready', async () => {
    const bridge = kernel('never-ready', 500);
    await expect(bridge.start()).rejects.toMatchObject({ name: 'KernelStartError', message: expect.stringMatching(/not ready after 0.5 s/) });
  });

  it('restarts a bridge that dies during an execution and says so', async () => {
    const bridge = kernel('normal');
    const died = await record(bridge, 'exit');
    expect(died.failure).toMatchObject({ name: 'KernelDiedError', message: expect.stringMatching(/exited with code 5.*fresh kernel/) });
    expect((await record(bridge, 'after')).outcome).toEqual({ executionCount: 1 });
    await bridge.shutdown();
  });

  it('restarts a bridge that ignores an interrupt after the grace period', async () => {
    const bridge = kernel('normal');
    const stuck = await record(bridge, 'hang', { abortAfterMs: 100 });
    expect(stuck.failure).toMatchObject({ name: 'KernelDiedError', message: expect.stringMatching(/did not stop within 3 s/) });
    expect(stuck.ms).toBeLessThan(5_000);
    expect((await record(bridge, 'after')).outcome).toEqual({ executionCount: 1 });
    await bridge.shutdown();
  });

  it('fails an execution that a restart() cuts short', async () => {
    const bridge = kernel('normal');
    const running = record(bridge, 'hang');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await bridge.restart();
    expect((await running).failure).toMatchObject({ name: 'KernelDiedError', message: expect.stringMatching(/restarted during this execution/) });
    await bridge.shutdown();
  });
});
