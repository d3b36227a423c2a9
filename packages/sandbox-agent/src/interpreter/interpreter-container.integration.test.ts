// The bash and JavaScript kernels inside a real sandbox container (codebox/base, Debian trixie),
// with the freshly built agent bind-mounted over /opt/codebox and the production hardening:
// kernels start through sandbox-exec as uid 1000 with no capabilities, on the agent's Node.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecuteLine } from '@codebox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtAgentMounts, runHardenedAgent } from '../testing/agent-dev-container.js';
import { requireDockerImage, requireRoot } from '../../../../test/support/test-prerequisites.js';
import { buildKernels } from '../testing/interpreter-client.js';
const IMAGE = 'codebox/base:latest';
const TEST_LABEL = 'codebox.test=interpreter-core';

function call(socketPath: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: { 'e2b-sandbox-port': '49999', 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('code interpreter in a hardened container', () => {
  const container = `codebox-interp-test-${randomBytes(6).toString('hex')}`;
  let work: string;
  let socket: string;

  const execute = async (body: Record<string, unknown>): Promise<ExecuteLine[]> => {
    const { status, text } = await call(socket, 'POST', '/execute', body);
    expect(status).toBe(200);
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ExecuteLine);
  };
  const stdout = (lines: ExecuteLine[]) => lines.map((line) => (line.type === 'stdout' ? line.text : '')).join('');

  beforeAll(async () => {
    requireRoot('the hardened-container interpreter tests');
    requireDockerImage(IMAGE, 'the hardened-container interpreter tests');
    buildKernels();
    work = mkdtempSync(join(tmpdir(), 'codebox-interp-container-'));
    socket = runHardenedAgent({
      name: container,
      label: TEST_LABEL,
      image: IMAGE,
      work,
      limits: { pids: 256, memory: '512m' },
      flags: [...builtAgentMounts(), '-e', 'CODEBOX_SANDBOX_ENVS={"FROM_SANDBOX":"yes"}'],
    });
    for (let i = 0; i < 100; i++) {
      if (existsSync(socket) && (await call(socket, 'GET', '/health').catch(() => ({ status: 0 }))).status === 200) return;
      await sleep(100);
    }
    throw new Error(`agent did not come up: ${execFileSync('docker', ['logs', container], { encoding: 'utf8' })}`);
  }, 180_000);

  afterAll(() => {
    execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  });

  it('runs bash as uid 1000 with no capabilities, in the home directory, with sandbox envs', async () => {
    const lines = await execute({ code: 'id -u; pwd; echo $FROM_SANDBOX; grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status', language: 'bash' });
    expect(stdout(lines).split('\n')).toEqual(
      expect.arrayContaining(['1000', '/home/user', 'yes', 'CapEff:\t0000000000000000', 'CapBnd:\t0000000000000000', 'NoNewPrivs:\t1']),
    );
  });

  it('runs JavaScript and TypeScript on the agent’s Node as the user, keeping state', async () => {
    const first = await execute({ code: "const who: number = process.getuid!(); import os from 'node:os'; [who, process.execPath, os.homedir()]", language: 'ts' });
    expect(first).toContainEqual(expect.objectContaining({ type: 'result', text: "[ 1000, '/opt/codebox/bin/node', '/home/user' ]" }));
    const second = await execute({ code: 'who + 1', language: 'ts' });
    expect(second).toContainEqual(expect.objectContaining({ type: 'result', text: '1001' }));
  });

  it('cannot reach the agent socket or read the agent’s directory for writing', async () => {
    const lines = await execute({ code: 'ls /run/codebox 2>&1; touch /opt/codebox/x 2>&1', language: 'bash' });
    expect(stdout(lines)).toMatch(/Permission denied[\s\S]*(Permission denied|Read-only)/);
  });
});
