// What the MCP layer costs: run_code("1+1") through `codebox mcp` over stdio and over Streamable
// HTTP, with the official MCP client, against the same call through core-client's agent tool
// runner (the framework packages' path) as the baseline; and the first call of a session, which
// creates its sandbox. Run with `npm run bench` (not part of CI).
import { codeboxToolRunner, Sandbox } from '@codebox/core-client';
import { loadMcpConfig, serveHttp } from '@codebox/mcp-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { resolve } from 'node:path';
import { startBenchRunner } from './bench-runner.ts';
import { printTable, timeRuns } from './stats.ts';

const RUNS = Number(process.env.BENCH_MCP_RUNS ?? 100);
const CLI = resolve(import.meta.dirname, '../packages/host-runner/bin/codebox.js');
const ONE_PLUS_ONE = { name: 'run_code', arguments: { code: '1+1' } };

const { runner, opts } = await startBenchRunner();
try {
  const sandbox = await Sandbox.create('code-interpreter-v1', opts);
  const run = codeboxToolRunner();
  const baseline = await timeRuns('agent tool runner run_code("1+1") (no MCP)', RUNS, () => run(sandbox, 'run_code', { code: '1+1' }));
  await sandbox.kill();

  const http = await serveHttp(loadMcpConfig({ http: true, port: '0', apiUrl: opts.apiUrl, apiKey: opts.apiKey }, {}));
  const httpClient = new Client({ name: 'bench', version: '0' });
  await httpClient.connect(new StreamableHTTPClientTransport(new URL(http.url)));
  const httpFirst = await timeRuns('MCP over HTTP: first call (creates the sandbox)', 1, () => httpClient.callTool(ONE_PLUS_ONE));
  const overHttp = await timeRuns('MCP over Streamable HTTP run_code("1+1")', RUNS, () => httpClient.callTool(ONE_PLUS_ONE));

  const stdioClient = new Client({ name: 'bench', version: '0' });
  await stdioClient.connect(
    new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], env: { PATH: process.env.PATH ?? '', CODEBOX_API_URL: opts.apiUrl, CODEBOX_API_KEY: opts.apiKey } }),
  );
  const stdioFirst = await timeRuns('MCP over stdio: first call (creates the sandbox)', 1, () => stdioClient.callTool(ONE_PLUS_ONE));
  const overStdio = await timeRuns('MCP over stdio run_code("1+1")', RUNS, () => stdioClient.callTool(ONE_PLUS_ONE));
  printTable('run_code round trip: MCP against the framework packages\' path', baseline, [overHttp, overStdio, httpFirst, stdioFirst]);

  await stdioClient.close();
  await httpClient.close();
  await http.close();
} finally {
  await runner.close();
}
