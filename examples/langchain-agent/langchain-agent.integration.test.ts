import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunner, type RunnerHandle } from '../../test/support/runner.ts';

/** The answer to the example's question, computed here from the CSV it ships. */
function expectedFinding(): string {
  const [, ...rows] = readFileSync(join(import.meta.dirname, 'sales_2025.csv'), 'utf8').trim().split('\n');
  const revenue = new Map<string, number>();
  for (const row of rows) {
    const [month, region, , , , amount] = row.split(',');
    const quarter = Math.ceil(Number(month?.slice(5)) / 3);
    const key = `${region}/${quarter}`;
    revenue.set(key, (revenue.get(key) ?? 0) + Number(amount));
  }
  const growth = ['North', 'South', 'East', 'West'].map((region) => {
    const [q1, q4] = [revenue.get(`${region}/1`) ?? 0, revenue.get(`${region}/4`) ?? 0];
    return { region, q1, q4, percent: (q4 / q1 - 1) * 100 };
  });
  const best = growth.reduce((a, b) => (b.percent > a.percent ? b : a));
  const dollars = (n: number): string => `$${Math.round(n).toLocaleString('en-US')}`;
  return `${best.region} grew most: ${best.percent.toFixed(1)}% (Q1 ${dollars(best.q1)} -> Q4 ${dollars(best.q4)})`;
}

describe('examples/langchain-agent against a real runner', () => {
  let runner: RunnerHandle;
  let cwd: string;
  beforeAll(async () => {
    runner = await startRunner();
    cwd = mkdtempSync(join(tmpdir(), 'codebox-langchain-agent-'));
  });
  afterAll(async () => {
    await runner?.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('answers from the uploaded CSV on the scripted model, streams the code output, saves the chart and leaves no sandbox', async () => {
    const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...env } = process.env;
    const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, 'agent.ts')], {
      cwd,
      env: { ...env, CODEBOX_API_URL: runner.url, CODEBOX_API_KEY: runner.keys[0] },
      timeout: 150_000,
    });

    expect(stdout.split('\n')[0]).toBe('model: scripted (set OPENAI_API_KEY to use a real model)');
    expect(stdout).toMatch(/^sandbox \w+: uploaded \/home\/user\/sales_2025\.csv$/m);
    // The code the model asked for, then its output streamed line by line, in that order.
    const finding = expectedFinding();
    const order = ['▶ run_code (python)', '  > (144, 6)', '  │ best = by_quarter["growth %"].idxmax()', `  > ${finding}`, '  = output: [image/png 900×500', `answer: ${finding}.`];
    const positions = order.map((text) => stdout.indexOf(text));
    expect(positions.every((at) => at >= 0), stdout).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    const chart = stdout.match(/^chart: (.+\.png) \((\d+) KB\)$/m);
    expect(chart?.[1]).toBe(join(cwd, 'revenue_by_region.png'));
    const png = readFileSync(join(cwd, 'revenue_by_region.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // savefig at 120 dpi of a 9×5 inch figure.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1080, 600]);
    expect(Math.round(png.byteLength / 1024)).toBe(Number(chart?.[2]));

    expect(runner.containerIds()).toEqual([]);
  });
});
