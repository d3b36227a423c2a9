// What the MCP layer costs: run_code("1+1") through `codebox mcp` over Streamable HTTP and over
// stdio, with the official MCP client, against the same call through core-client's agent tool
// runner (the framework packages' path: same sandbox kind, same tool code, no MCP) as the baseline;
// and the first call of a session, which creates its sandbox.
import { resolve } from 'node:path';
import { codeboxToolRunner, Sandbox } from '@codebox/core-client';
import { loadMcpConfig, serveHttp } from '@codebox/mcp-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ScenarioResult } from '../report-schema.ts';
import { measuredResult, type Scenario } from '../scenario.ts';
import { summarizeTimed, timeEach } from '../stats.ts';

const CLI = resolve(import.meta.dirname, '../../packages/host-runner/bin/codebox.js');
const ONE_PLUS_ONE = { name: 'run_code', arguments: { code: '1+1' } };

export const mcp: Scenario = {
  id: 'mcp',
  title: 'MCP server: run_code round trip over Streamable HTTP and stdio',
  async run(ctx): Promise<ScenarioResult[]> {
    const runs = ctx.runs(100, 10);
    const baselineName = 'agent tool runner run_code("1+1"), no MCP (the framework packages\' path)';
    const httpName = 'MCP over Streamable HTTP run_code("1+1")';
    ctx.progress(`agent tool runner, ${runs} calls`);
    const sandbox = await Sandbox.create('code-interpreter-v1', ctx.opts);
    let baseline;
    try {
      const run = codeboxToolRunner();
      await run(sandbox, 'run_code', { code: '1+1' });
      baseline = summarizeTimed(baselineName, await timeEach(runs, () => run(sandbox, 'run_code', { code: '1+1' })));
    } finally {
      await sandbox.kill();
    }

    ctx.progress(`MCP over HTTP, ${runs} calls`);
    const http = await serveHttp(loadMcpConfig({ http: true, port: '0', apiUrl: ctx.opts.apiUrl, apiKey: ctx.opts.apiKey }, {}));
    const httpClient = new Client({ name: 'bench', version: '0' });
    let httpFirst, overHttp;
    try {
      await httpClient.connect(new StreamableHTTPClientTransport(new URL(http.url)));
      httpFirst = summarizeTimed('MCP over HTTP: first call of a session (creates its sandbox)', await timeEach(1, () => httpClient.callTool(ONE_PLUS_ONE)));
      overHttp = summarizeTimed(httpName, await timeEach(runs, () => httpClient.callTool(ONE_PLUS_ONE)));
    } finally {
      await httpClient.close();
      await http.close();
    }

    ctx.progress(`MCP over stdio, ${runs} calls`);
    const stdioClient = new Client({ name: 'bench', version: '0' });
    let stdioFirst, overStdio;
    try {
      await stdioClient.connect(
        new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], env: { PATH: process.env.PATH ?? '', CODEBOX_API_URL: ctx.opts.apiUrl, CODEBOX_API_KEY: ctx.opts.apiKey } }),
      );
      stdioFirst = summarizeTimed('MCP over stdio: first call of a session (creates its sandbox)', await timeEach(1, () => stdioClient.callTool(ONE_PLUS_ONE)));
      overStdio = summarizeTimed('MCP over stdio run_code("1+1")', await timeEach(runs, () => stdioClient.callTool(ONE_PLUS_ONE)));
    } finally {
      await stdioClient.close();
    }
    return [
      measuredResult({
        id: 'mcp',
        title: this.title,
        runtime: ctx.runtime,
        method: `${runs} sequential run_code("1+1") calls per path, one session each, after one warm-up call; the baseline is the same tool code called directly on a sandbox of the same template`,
        samples: [baseline, overHttp, overStdio, httpFirst, stdioFirst],
        measured: httpName,
        baseline: { sample: baselineName, note: 'the same tool code on the same kind of sandbox, called directly: what MCP adds on top' },
      }),
    ];
  },
};
