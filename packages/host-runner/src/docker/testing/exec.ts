import type Dockerode from 'dockerode';
import { demuxDockerLogs } from '../container-logs.js';

export interface ExecResult {
  exitCode: number;
  output: string;
}

/**
 * `docker exec` for tests: runs argv in the container as the sandbox's user and collects
 * stdout+stderr. The uid comes from the `codebox.uid` label: `docker exec -u user` would look
 * the name up in the image's /etc/passwd (uid 1000), not in the sandbox's bound copy.
 */
export async function execIn(container: Dockerode.Container, argv: string[], user?: string): Promise<ExecResult> {
  if (user === undefined) {
    const uid = (await container.inspect()).Config.Labels['codebox.uid'] ?? '1000';
    user = `${uid}:${uid}`;
  }
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
