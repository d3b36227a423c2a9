// Sandbox start and command round trip through Codebox, against plain Docker on the same
// image in the same process as the baseline. Run with `npm run bench` (not part of CI).
import Docker from 'dockerode';
import * as e2b from 'e2b';
import { Sandbox } from '@codebox/core-client';
import { startBenchRunner } from './bench-runner.ts';
import { printTable, timeRuns } from './stats.ts';

const CREATE_RUNS = Number(process.env.BENCH_CREATE_RUNS ?? 10);
const COMMAND_RUNS = Number(process.env.BENCH_COMMAND_RUNS ?? 50);
const image = 'codebox/base:latest';

const { runner, opts } = await startBenchRunner();
const docker = new Docker();

try {
  // Baseline: a plain container of the same image, started and then removed.
  const dockerStart = await timeRuns('docker create+start (no hardening, no agent)', CREATE_RUNS, async () => {
    const container = await docker.createContainer({ Image: image, Cmd: ['sleep', 'infinity'], HostConfig: { Init: true } });
    await container.start();
    await container.remove({ force: true });
  });
  const codeboxStart = await timeRuns('Codebox Sandbox.create + kill', CREATE_RUNS, async () => {
    const sandbox = await Sandbox.create('base', opts);
    await sandbox.kill();
  });
  const e2bStart = await timeRuns('e2b SDK Sandbox.create + kill', CREATE_RUNS, async () => {
    const sandbox = await e2b.Sandbox.create('base');
    await sandbox.kill();
  });
  printTable(`Sandbox start (${CREATE_RUNS} runs each)`, dockerStart, [codeboxStart, e2bStart]);

  const container = await docker.createContainer({ Image: image, Cmd: ['sleep', 'infinity'], HostConfig: { Init: true } });
  await container.start();
  const sandbox = await Sandbox.create('base', opts);
  const viaE2b = await e2b.Sandbox.connect(sandbox.sandboxId);
  try {
    const dockerExec = await timeRuns('docker exec bash -c "echo hi"', COMMAND_RUNS, async () => {
      const exec = await container.exec({ Cmd: ['/bin/bash', '-c', 'echo hi'], AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({});
      await new Promise((resolve) => stream.on('end', resolve).resume());
    });
    const codeboxRun = await timeRuns('Codebox commands.run("echo hi")', COMMAND_RUNS, () => sandbox.commands.run('echo hi'));
    const e2bRun = await timeRuns('e2b SDK commands.run("echo hi")', COMMAND_RUNS, () => viaE2b.commands.run('echo hi'));
    const payload = new Uint8Array(1024 * 1024);
    const codeboxFile = await timeRuns('Codebox files.write+read 1 MiB', COMMAND_RUNS, async () => {
      await sandbox.files.write('/home/user/bench.bin', payload);
      await sandbox.files.read('/home/user/bench.bin', { format: 'bytes' });
    });
    printTable(`Command round trip (${COMMAND_RUNS} runs each)`, dockerExec, [codeboxRun, e2bRun, codeboxFile]);
  } finally {
    await sandbox.kill();
    await container.remove({ force: true });
  }
} finally {
  await runner.close();
}
