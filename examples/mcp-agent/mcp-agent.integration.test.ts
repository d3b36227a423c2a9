// The MCP agent example end to end against a real runner, on the scripted model: the AI SDK's
// MCP client starts `codebox mcp` over stdio, the model's code runs in a real sandbox, the chart
// comes back as an image, the CSV it wrote is listed as a resource, and closing the client kills
// the sandbox.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runExample } from '../../test/support/run-example.ts';
import { startRunner, type RunnerHandle } from '../../test/support/runner.ts';

let runner: RunnerHandle;
let outDir: string;

beforeAll(async () => {
  runner = await startRunner();
  outDir = mkdtempSync(join(tmpdir(), 'mcp-agent-test-'));
});

afterAll(async () => {
  await runner?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

it('answers with what the sandbox computed through the MCP tools, saves the chart, lists the CSV as a resource, leaves no sandbox', async () => {
  const { code, out } = await runExample(join(import.meta.dirname, 'agent.ts'), runner, { args: ['--out', outDir] });
  expect(code, out).toBe(0);
  expect(out).toContain('model: scripted');
  expect(out).toContain('MCP server codebox: tools run_code, run_command, read_file, write_file');
  expect(out).toMatch(/▶ run_code/);
  expect(out).toContain(' 9000-9999: 112 primes');
  expect(out).toContain('There are 1229 primes below 10,000. They thin out slowly: 168 in the first thousand, 112 in the last');
  const chart = join(outDir, 'chart-1.png');
  expect(out).toContain(`chart saved: ${chart}`);
  expect(existsSync(chart) && readFileSync(chart).subarray(1, 4).toString()).toBe('PNG');
  expect(out).toContain('files in the sandbox (MCP resources): sandbox://files/home/user/primes_per_thousand.csv');
  await expect.poll(() => runner.containerIds(), { timeout: 15_000 }).toEqual([]);
});
