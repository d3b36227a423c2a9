import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');
const cliPath = join(repoRoot, 'packages/host-runner/bin/codebox.js');

/** A real `codebox serve` child process on a free loopback port, with two tenants' keys. */
export interface RunnerHandle {
  readonly url: string;
  readonly runnerName: string;
  /** Two API keys, one tenant each. */
  readonly keys: readonly [string, string];
  /** Output the runner wrote so far (for failure messages). */
  output(): string;
  /** The runner's data directory. */
  readonly dataDir: string;
  /**
   * SIGTERM, wait for exit, start again on the same port, name and data dir. `env` is added to
   * the start options' env for this start only (e.g. a fault-injection point).
   */
  restart(options?: { env?: Readonly<Record<string, string>> }): Promise<void>;
  /** Sends `signal` to the runner (e.g. SIGKILL, to crash it) and waits until it has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Resolves once the runner process has exited (e.g. killed itself at a fault-injection point). */
  exited(): Promise<void>;
  /** Stops the runner and removes every sandbox and file it made. */
  close(): Promise<void>;
  /** Containers Docker has for this runner (running or not). */
  containerIds(): string[];
  /** The runner process's pid while it runs (e.g. to sample its memory or count its file descriptors). */
  pid(): number | undefined;
  /** Whether the runner process is still running. */
  alive(): boolean;
}

/** `CODEBOX_POOL` that keeps no warm containers for the default templates. */
export const POOL_OFF = 'code-interpreter-v1=0,base=0';

export function newApiKey(): string {
  return `e2b_${randomBytes(20).toString('hex')}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      server.close(() => resolvePort(address.port));
    });
  });
}

async function killAllSandboxes(url: string, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    const res = await fetch(`${url}/v2/sandboxes`, { headers: { 'X-API-KEY': key } });
    if (!res.ok) continue;
    const sandboxes = (await res.json()) as { sandboxID: string }[];
    await Promise.all(sandboxes.map((s) => fetch(`${url}/sandboxes/${s.sandboxID}`, { method: 'DELETE', headers: { 'X-API-KEY': key } })));
  }
}

export interface StartRunnerOptions {
  readyTimeoutMs?: number;
  /** Extra runner configuration (`CODEBOX_*` variables), e.g. larger sandbox limits. */
  env?: Readonly<Record<string, string>>;
  /** Use this data directory (it must exist; close() leaves it in place). Default: a fresh temp dir. */
  dataDir?: string;
}

export async function startRunner(options: StartRunnerOptions = {}): Promise<RunnerHandle> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const runnerName = `t${randomBytes(4).toString('hex')}`;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'codebox-runner-'));
  const keys = [newApiKey(), newApiKey()] as const;
  let log = '';
  let child: ChildProcess | undefined;

  const hasExited = (proc: ChildProcess): boolean => proc.exitCode !== null || proc.signalCode !== null;

  const launch = async (extraEnv: Readonly<Record<string, string>> = {}): Promise<void> => {
    log += `--- start ${new Date().toISOString()}\n`;
    const proc = spawn(
      process.execPath,
      [cliPath, 'serve', '--port', String(port), '--host', '127.0.0.1', '--runner-name', runnerName, '--data-dir', dataDir],
      {
        env: {
          ...process.env,
          CODEBOX_API_KEYS: keys.join(','),
          CODEBOX_LOG_LEVEL: process.env.CODEBOX_LOG_LEVEL ?? 'info',
          // Pool off: on the 2-core CI machine every test file's runner would otherwise start
          // background containers. A pool test passes its own CODEBOX_POOL.
          CODEBOX_POOL: POOL_OFF,
          ...options.env,
          ...extraEnv,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    proc.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    proc.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const deadline = Date.now() + (options.readyTimeoutMs ?? 900_000);
    while (Date.now() < deadline) {
      if (hasExited(proc)) throw new Error(`runner exited with ${proc.exitCode ?? proc.signalCode}:\n${log}`);
      try {
        const res = await fetch(`${url}/v2/sandboxes`, { headers: { 'X-API-KEY': keys[0] } });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`runner not ready in time:\n${log}`);
  };

  const exited = async (): Promise<void> => {
    const proc = child;
    if (!proc || hasExited(proc)) return;
    await new Promise<void>((r) => proc.once('exit', () => r()));
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc || hasExited(proc)) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const containerIds = (): string[] =>
    execFileSync('docker', ['ps', '-aq', '--filter', `label=codebox.runner=${runnerName}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);

  await launch();
  return {
    url,
    runnerName,
    keys,
    output: () => log,
    dataDir,
    restart: async ({ env } = {}) => {
      await stop();
      await launch(env);
    },
    kill: async (signal) => {
      const proc = child;
      if (!proc || hasExited(proc)) return;
      const done = exited();
      proc.kill(signal);
      await done;
    },
    exited,
    close: async () => {
      // Kill what tests left through the API first, so the runner finds its bridge empty at
      // stop and removes its network and firewall chains; Docker is only the safety net.
      await killAllSandboxes(url, keys).catch(() => undefined);
      await stop();
      const ids = containerIds();
      if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids]);
      // Leftover loop mounts would keep the directory busy; the runner unmounts on kill.
      try {
        execFileSync('bash', ['-c', `grep -o '${dataDir}[^ ]*' /proc/mounts | xargs -r -n1 umount -l`]);
      } catch {
        // nothing mounted
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    containerIds,
    pid: () => (child && !hasExited(child) ? child.pid : undefined),
    alive: () => child !== undefined && !hasExited(child),
  };
}

