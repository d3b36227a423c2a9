import type Dockerode from 'dockerode';
import { demuxDockerLogs } from '../container-logs.js';

export interface ExecResult {
  exitCode: number;
  output: string;
}

/** `docker exec` for tests: runs argv in the container as `user` and collects stdout+stderr. */
export async function execIn(container: Dockerode.Container, argv: string[], user = '1000:1000'): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: argv, User: user, AttachStdout: true, AttachStderr: true, WorkingDir: '/home/user' });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, output: demuxDockerLogs(Buffer.concat(chunks)) };
}
