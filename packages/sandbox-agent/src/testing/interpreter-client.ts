// Test support (excluded from the build): a real agent with the code interpreter on this host,
// running a copy of the built kernels (dist/kernels) as uid 1000, and a small client for its wire.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CODE_INTERPRETER_PORT, HEADERS, type ExecuteLine } from '@codebox/protocol';
import { startAgent, type AgentFixture, type StartAgentOptions } from './agent-fixture.js';
import { stageForSandboxUser } from './sandbox-user-files.js';
import type { CodeInterpreterOptions } from '../agent-server.js';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const KERNELS_DIR = `${packageDir}dist/kernels`;

/** Builds the agent package once per test file, so dist/kernels holds the current bridges. */
export function buildKernels(): void {
  // tsc emits even when another part of the package does not type-check yet; the bundle step
  // and the checks below decide whether the kernels are usable.
  spawnSync('npx', ['tsc', '-b'], { cwd: packageDir, stdio: 'ignore' });
  execFileSync('node', ['build.mjs'], { cwd: packageDir, stdio: 'inherit' });
  if (!existsSync(`${KERNELS_DIR}/javascript/bridge.mjs`)) throw new Error('the agent build did not produce dist/kernels/javascript/bridge.mjs');
}

/**
 * The agent with the code interpreter, its kernels and Node staged outside the checkout (which
 * uid 1000 may not be able to reach, see sandbox-user-files.ts); close() removes them too.
 */
export async function startInterpreterAgent(
  codeInterpreter: CodeInterpreterOptions = {},
  options: StartAgentOptions = {},
): Promise<AgentFixture> {
  const files = stageForSandboxUser();
  try {
    const fixture = await startAgent({
      codeInterpreter: { kernelsDir: files.kernelsDir, nodePath: files.nodePath, warmUp: false, ...codeInterpreter },
      ...options,
    });
    return {
      ...fixture,
      async close() {
        await fixture.close();
        files.close();
      },
    };
  } catch (error) {
    files.close();
    throw error;
  }
}

export interface ReceivedLine {
  readonly line: ExecuteLine;
  /** ms since the request was sent. */
  readonly at: number;
}

export const INTERPRETER_HEADERS = { [HEADERS.sandboxPort]: String(CODE_INTERPRETER_PORT), 'content-type': 'application/json' };

/** POSTs /execute and collects the NDJSON lines with their arrival times. */
export async function execute(
  baseUrl: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<{ status: number; lines: ReceivedLine[]; text: string }> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/execute`, { method: 'POST', headers: INTERPRETER_HEADERS, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
  if (response.status !== 200 || !response.body) return { status: response.status, lines: [], text: await response.text() };
  const lines: ReceivedLine[] = [];
  let buffered = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      lines.push({ line: JSON.parse(buffered.slice(0, newline)) as ExecuteLine, at: performance.now() - started });
      buffered = buffered.slice(newline + 1);
    }
  }
  return { status: 200, lines, text: '' };
}

/** The lines without keepalives and timestamps, for exact comparisons. */
export function plain(lines: readonly ReceivedLine[]): unknown[] {
  return lines
    .map(({ line }) => line)
    .filter((line) => line.type !== 'keepalive')
    .map((line) => ('timestamp' in line ? { type: line.type, text: line.text } : line));
}

export function stdoutOf(lines: readonly ReceivedLine[]): string {
  return lines.map(({ line }) => (line.type === 'stdout' ? line.text : '')).join('');
}
