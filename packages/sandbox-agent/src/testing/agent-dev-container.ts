// Test support: the built agent (dist/agent.mjs, dist/sandbox-exec, dist/kernels) running as
// the main process of a kernels dev-image container, hardened as the runner starts sandboxes
// (docs/internals.md), its socket in a bind-mounted host directory, and a TCP port on this
// host forwarded to that socket (the official SDK in debug mode talks to localhost:49999).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DEV_IMAGE_LABEL, kernelImage } from './kernel-dev-image.js';

const distDir = fileURLToPath(new URL('../../dist', import.meta.url));

export interface AgentDevContainer {
  readonly name: string;
  /** ms from `docker run` until the agent answered /health. */
  readonly startMs: number;
  /** The container's memory use now (cgroup, as `docker stats` shows it), in MiB. */
  memoryMiB(): number;
  close(): Promise<void>;
}

export interface HardenedAgentRun {
  readonly name: string;
  readonly label: string;
  readonly image: string;
  /** A host directory of the test's own; the agent's socket directory is made in it. */
  readonly work: string;
  readonly limits: { readonly pids: number; readonly memory: string };
  /** More `docker run` flags (mounts, env), before the image. */
  readonly flags?: readonly string[];
}

/**
 * Starts the agent as the main process of a container hardened as the runner hardens sandboxes
 * (docs/internals.md): only the capabilities the agent needs to drop to the sandbox user and
 * signal its processes, no privilege gain, no network, an init reaping orphans, and the given
 * limits. Its socket directory is bind-mounted from `work`; returns the socket's host path,
 * which appears once the agent listens.
 */
export function runHardenedAgent(run: HardenedAgentRun): string {
  const runDir = join(run.work, 'run');
  mkdirSync(runDir, { mode: 0o700 });
  execFileSync('docker', [
    'run', '-d', '--name', run.name, '--label', run.label,
    '--cap-drop', 'ALL', '--cap-add', 'SETUID', '--cap-add', 'SETGID', '--cap-add', 'SETPCAP', '--cap-add', 'KILL',
    '--security-opt', 'no-new-privileges', '--network', 'none', '--init', '--pids-limit', String(run.limits.pids), '--memory', run.limits.memory,
    '-v', `${runDir}:/run/codebox`,
    ...(run.flags ?? []),
    run.image, '/opt/codebox/bin/node', '/opt/codebox/agent.mjs',
  ], { stdio: 'ignore' });
  return join(runDir, 'agent.sock');
}

/** `docker run` flags that mount the built agent (dist/) over /opt/codebox, read-only. */
export function builtAgentMounts(): string[] {
  return [
    '-v', `${join(distDir, 'agent.mjs')}:/opt/codebox/agent.mjs:ro`,
    '-v', `${join(distDir, 'sandbox-exec')}:/opt/codebox/sandbox-exec:ro`,
    '-v', `${join(distDir, 'kernels')}:/opt/codebox/kernels:ro`,
  ];
}

/** Needs `dist/` built (see interpreter-client.ts `buildKernels`). */
export async function startAgentDevContainer(forwardPort: number, memory = '512m'): Promise<AgentDevContainer> {
  for (const file of ['agent.mjs', 'sandbox-exec', 'kernels/python/bridge.py']) {
    if (!existsSync(join(distDir, file))) throw new Error(`dist/${file} is missing: build the agent package first`);
  }
  const image = kernelImage();
  const work = mkdtempSync(join(tmpdir(), 'codebox-agent-dev-'));
  const name = `codebox-agent-dev-${randomBytes(6).toString('hex')}`;
  const started = Date.now();
  const socket = runHardenedAgent({
    name,
    label: DEV_IMAGE_LABEL,
    image,
    work,
    limits: { pids: 256, memory },
    flags: ['--memory-swap', memory, ...builtAgentMounts()],
  });

  const proxy = await forward(forwardPort, socket);
  let startMs = 0;
  for (let attempt = 0; ; attempt++) {
    if (existsSync(socket) && (await health(forwardPort))) {
      startMs = Date.now() - started;
      break;
    }
    if (attempt > 300) {
      const logs = execFileSync('docker', ['logs', name], { encoding: 'utf8' });
      execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
      proxy.close();
      throw new Error(`the agent did not come up in the dev image: ${logs}`);
    }
    await sleep(20);
  }

  return {
    name,
    startMs,
    memoryMiB() {
      const stats = execFileSync('docker', ['stats', '--no-stream', '--format', '{{.MemUsage}}', name], { encoding: 'utf8' });
      const [, value, unit] = /([\d.]+)\s*([KMG]i?B)/.exec(stats) ?? [];
      const factor = unit?.startsWith('G') ? 1024 : unit?.startsWith('K') ? 1 / 1024 : 1;
      return Number(value) * factor;
    },
    async close() {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
      rmSync(work, { recursive: true, force: true });
    },
  };
}

async function health(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { headers: { 'E2b-Sandbox-Port': '49999' } });
    return response.ok;
  } catch {
    return false;
  }
}

/** 127.0.0.1:port → the agent's unix socket, one socket connection per TCP connection. */
async function forward(port: number, socket: string): Promise<Server> {
  const server = createServer((client) => {
    // Like the runner's gateway: no Nagle delay on small NDJSON lines.
    client.setNoDelay(true);
    const upstream = connect(socket);
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  return server;
}
