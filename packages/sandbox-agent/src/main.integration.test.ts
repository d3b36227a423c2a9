// The built bundle (dist/agent.mjs + dist/sandbox-exec + dist/kernels), started the way a template
// starts it, from a copy laid out as in a template (the checkout may be closed to uid 1000, whose
// processes and warm kernel run from beside the bundle).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { Process } from '@codebox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRoot } from '../../../test/support/test-prerequisites.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(packageDir, 'dist/agent.mjs');

function get(socketPath: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

async function waitForSocket(path: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}`);
    if (existsSync(path)) {
      try {
        if ((await get(path, '/health')) === 204) return;
      } catch {
        // not accepting yet
      }
    }
    await sleep(50);
  }
  throw new Error('agent socket did not come up');
}

describe('agent bundle', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];
  const startBundle = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): ChildProcess => {
    const child = spawn(process.execPath, [join(dir, 'codebox', 'agent.mjs'), ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    return child;
  };

  beforeAll(() => {
    requireRoot('the agent bundle tests (the agent switches uids)');
    // Build exactly what templates ship: tsc, the esbuild bundle and the static helper.
    execFileSync('npm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'codebox-bundle-'));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'codebox'), { mode: 0o755 });
    for (const name of ['agent.mjs', 'sandbox-exec', 'kernels']) cpSync(join(packageDir, 'dist', name), join(dir, 'codebox', name), { recursive: true });
    const home = join(dir, 'home');
    mkdirSync(home);
    chownSync(home, 1000, 1000);
    writeFileSync(join(dir, 'passwd'), `user:x:1000:1000::${home}:/bin/bash\n`);
    env = { PATH: process.env.PATH, CODEBOX_PASSWD: join(dir, 'passwd'), CODEBOX_SANDBOX_ENVS: '{"FROM_ENV":"yes"}' };
  }, 120_000);
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds one self-contained file and the static helper', () => {
    expect(statSync(bundle).size).toBeGreaterThan(100_000);
    expect(execFileSync('file', [join(packageDir, 'dist/sandbox-exec')]).toString()).toMatch(/statically linked/);
  });

  it('serves on a 0600 unix socket, replaces a stale one, runs hardened processes and stops on SIGTERM', async () => {
    const socket = join(dir, 'agent.sock');
    const first = startBundle([], { CODEBOX_AGENT_SOCKET: socket });
    await waitForSocket(socket, first);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    first.kill('SIGKILL');
    await once(first, 'exit');
    expect(existsSync(socket)).toBe(true);

    const agent = startBundle(['--socket', socket]);
    let logs = '';
    agent.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    await waitForSocket(socket, agent);

    const transport = createConnectTransport({ baseUrl: 'http://localhost', httpVersion: '1.1', nodeOptions: { socketPath: socket } });
    const client = createClient(Process, transport);
    let stdout = '';
    for await (const response of client.start({ process: { cmd: '/bin/bash', args: ['-l', '-c', 'echo $FROM_ENV; grep CapBnd /proc/self/status'], envs: {} } })) {
      const event = response.event?.event;
      if (event?.case === 'data' && event.value.output.case === 'stdout') stdout += Buffer.from(event.value.output.value).toString();
    }
    expect(stdout).toBe('yes\nCapBnd:\t0000000000000000\n');
    expect(logs).not.toMatch(/sandbox-exec helper not found/);

    agent.kill('SIGTERM');
    const [code] = await once(agent, 'exit');
    expect(code).toBe(0);
    expect(logs).toMatch(/agent stopping/);
  });

  it('refuses to start with malformed CODEBOX_SANDBOX_ENVS', async () => {
    const agent = startBundle(['--listen', '127.0.0.1:0'], { CODEBOX_SANDBOX_ENVS: '[1,2]' });
    let logs = '';
    agent.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    const [code] = await once(agent, 'exit');
    expect(code).toBe(1);
    expect(logs).toMatch(/CODEBOX_SANDBOX_ENVS must be a JSON object/);
  });
});
