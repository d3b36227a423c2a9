import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

/**
 * A host the test owns: a network namespace joined to the host by a veth pair, with an address in
 * 10.0.0.0/8 (a range the egress filter blocks) and a TCP server that answers "hello". Traffic to it
 * never leaves this machine, so a test can show what a sandbox can and cannot reach.
 */
export interface NetnsTarget {
  readonly address: string;
  readonly port: number;
  close(): void;
}

const PORT = 8080;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

export async function startNetnsTarget(): Promise<NetnsTarget> {
  const tag = randomBytes(3).toString('hex');
  const ns = `cbxgv-${tag}`;
  const hostSide = `vgh${tag}`;
  const nsSide = `vgn${tag}`;
  // A random /30 so parallel worktrees running this test do not collide.
  const subnet = `10.231.${randomInt(0, 256)}.${randomInt(0, 64) * 4}`;
  const [a, b, c, d] = subnet.split('.').map(Number) as [number, number, number, number];
  const hostAddress = `${a}.${b}.${c}.${d + 1}`;
  const address = `${a}.${b}.${c}.${d + 2}`;
  let server: ChildProcess | undefined;
  const close = (): void => {
    if (server?.pid !== undefined && server.exitCode === null) server.kill('SIGKILL');
    for (const args of [['link', 'del', hostSide], ['netns', 'del', ns]]) {
      try {
        ip(...args);
      } catch {
        // already gone
      }
    }
  };
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide);
    ip('link', 'set', nsSide, 'netns', ns);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostSide);
    ip('link', 'set', hostSide, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${address}/30`, 'dev', nsSide);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsSide, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    server = spawn(
      'ip',
      [
        'netns', 'exec', ns, 'python3', '-c',
        `import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("${address}",${PORT}))\ns.listen(16)\n` +
          'while True:\n  c,_=s.accept()\n  c.sendall(b"hello\\n")\n  c.close()',
      ],
      { stdio: 'ignore' },
    );
    // Up once the host itself can connect (the host is directly connected; no filter between).
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        execFileSync('python3', ['-c', `import socket;socket.create_connection(("${address}",${PORT}),1).close()`], { stdio: 'pipe' });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    close();
    throw error;
  }
  return { address, port: PORT, close };
}

/** Python run inside a sandbox: prints CONNECTED, or BLOCKED and why, within 3 s. */
export function connectProbe(host: string, port: number): string {
  return (
    `python3 -c 'import socket\ns=socket.socket()\ns.settimeout(3)\ntry:\n  s.connect(("${host}",${port}))\n  print("CONNECTED", s.recv(16))\n` +
    `except Exception as e:\n  print("BLOCKED", type(e).__name__, e)'`
  );
}
