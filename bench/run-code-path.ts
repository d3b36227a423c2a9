// Where a runCode("1+1") round trip spends its time: the same call measured at each point of its
// path (SDK → runner → agent socket → agent → kernel → back), so the differences are each hop's
// share. Each point is a plain keep-alive Node HTTP client except the SDK rows.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { HEADERS } from '@codebox/protocol';
import type { SampleSummary } from './report-schema.ts';
import type { ScenarioContext } from './scenario.ts';
import { interleaved, type TimedPoint } from './stats.ts';

interface Target {
  readonly socketPath?: string;
  readonly port?: number;
}

/** The sample names, for the report's method text. */
export const PATH_SAMPLES = {
  agentHealth: 'path: agent GET /health over its unix socket (HTTP inside the sandbox, no kernel)',
  agentExecute: 'path: agent POST /execute "1+1" over its unix socket (agent + kernel, no runner)',
  proxyExecute: 'path: POST /execute through a minimal Node proxy in the runner\'s place (the hop alone)',
  runnerExecute: 'path: POST /execute through the runner, plain Node HTTP client (no SDK)',
} as const;

/** One call: the whole answer read, its last line checked. */
function call(target: Target, agent: Agent, path: string, headers: Record<string, string>, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { ...target, host: '127.0.0.1', agent, method: body ? 'POST' : 'GET', path, headers: body ? { ...headers, 'content-type': 'application/json' } : headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => (res.statusCode === 200 && (!body || text.includes('"end_of_execution"')) ? resolve() : reject(new Error(`${res.statusCode}: ${text.slice(0, 200)}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The path samples for `sandboxId` (a code-interpreter sandbox of `ctx.runner`, its Python kernel
 * warm), measured in interleaved rounds so that a slow spell of the machine lands on every point.
 */
/**
 * `clients` (the SDK calls) and the path points for `sandboxId` (a code-interpreter sandbox of
 * `ctx.runner`, its Python kernel warm), timed together in interleaved rounds: clients first.
 */
export async function runCodePathSamples(ctx: ScenarioContext, sandboxId: string, runs: number, clients: readonly TimedPoint[] = []): Promise<SampleSummary[]> {
  const info = (await (await fetch(`${ctx.opts.apiUrl}/sandboxes/${sandboxId}`, { headers: { [HEADERS.apiKey]: ctx.opts.apiKey } })).json()) as { envdAccessToken?: string };
  const headers: Record<string, string> = {
    [HEADERS.sandboxId]: sandboxId,
    [HEADERS.sandboxPort]: '49999',
    ...(info.envdAccessToken ? { [HEADERS.accessToken]: info.envdAccessToken } : {}),
  };
  const socketPath = join(ctx.runner.dataDir, 'sandboxes', sandboxId, 'run', 'agent.sock');
  // One connection per point, kept alive, as the SDKs keep theirs.
  const agents = [new Agent({ keepAlive: true }), new Agent({ keepAlive: true }), new Agent({ keepAlive: true })] as const;
  const proxy = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'minimal-proxy.ts'), socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const proxyPort = Number(await new Promise<string>((resolve, reject) => {
      proxy.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      proxy.once('exit', (code) => reject(new Error(`the minimal proxy exited (${code})`)));
    }));
    const body = JSON.stringify({ code: '1+1' });
    const points: TimedPoint[] = [
      ...clients,
      { name: PATH_SAMPLES.agentHealth, once: () => call({ socketPath }, agents[0], '/health', headers) },
      { name: PATH_SAMPLES.agentExecute, once: () => call({ socketPath }, agents[0], '/execute', headers, body) },
      { name: PATH_SAMPLES.proxyExecute, once: () => call({ port: proxyPort }, agents[1], '/execute', headers, body) },
      { name: PATH_SAMPLES.runnerExecute, once: () => call({ port: Number(new URL(ctx.opts.apiUrl).port) }, agents[2], '/execute', headers, body) },
    ];
    return await interleaved(points, runs);
  } finally {
    proxy.kill();
    for (const agent of agents) agent.destroy();
  }
}

/**
 * Each share of the round trip as the difference of two p50s (approximate: p50s do not add up
 * exactly), for the report's figures.
 */
export function pathShares(samples: readonly SampleSummary[], official: string): Record<string, string> {
  const p50 = (name: string): number | undefined => samples.find((s) => s.name === name)?.p50 ?? undefined;
  const share = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? 'not measured' : `${(a - b).toFixed(3)} ms`);
  const [sdk, runner, proxy, agent, health] = [p50(official), p50(PATH_SAMPLES.runnerExecute), p50(PATH_SAMPLES.proxyExecute), p50(PATH_SAMPLES.agentExecute), p50(PATH_SAMPLES.agentHealth)];
  return {
    'share of the official SDK (its p50 − the runner path without SDK)': share(sdk, runner),
    "share of the runner's gateway logic (runner path − minimal proxy)": share(runner, proxy),
    'share of the hop to the sandbox (minimal proxy − agent socket)': share(proxy, agent),
    'agent + kernel (agent socket /execute p50)': share(agent, 0),
    "of which the agent's HTTP floor (agent socket /health p50)": share(health, 0),
  };
}
