// What a test needs from the machine, checked up front. A missing prerequisite fails the test with
// a message that says what to do; it never skips. A skipped test proves nothing, and a suite that
// skips quietly for a non-root developer or a busy port is green without having tested anything.
// The only skips CI accepts are listed, with their reason, in test/support/skip-allow-list.ts.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

/** The machine cannot run this test as it stands; the message says what is missing and how to get it. */
export class TestPrerequisiteError extends Error {
  override readonly name = 'TestPrerequisiteError';
}

/** The agent tests switch to uid 1000 per request and mount things, as the agent does in a container. */
export function requireRoot(what: string): void {
  if (process.geteuid?.() === 0) return;
  throw new TestPrerequisiteError(
    `${what} needs root (it runs a real agent that switches uids, or mounts); run the tests as root, as CI and scripts/test.sh do`,
  );
}

/** The port must be free now: the official SDKs in debug mode only talk to fixed loopback ports. */
export async function requirePortFree(port: number, what: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  if (free) return;
  throw new TestPrerequisiteError(
    `${what} needs 127.0.0.1:${port} free (the official SDK in debug mode talks only to that port); ` +
      `stop whatever listens there (\`ss -ltnp 'sport = :${port}'\` names it)`,
  );
}

/** The image must exist locally; the integration layer's global setup (templates-ready.ts) builds the default templates. */
export function requireDockerImage(image: string, what: string): void {
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
  } catch {
    throw new TestPrerequisiteError(
      `${what} needs the Docker image ${image}; run the integration project (its global setup builds the default templates) or \`codebox template build\``,
    );
  }
}

/** A program the test drives on the host (not in a sandbox). */
export function requireCommand(command: string, what: string): void {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' });
  } catch {
    throw new TestPrerequisiteError(`${what} needs \`${command}\` on the host's PATH (Debian: apt-get install ${command})`);
  }
}
