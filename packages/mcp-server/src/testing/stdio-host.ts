// A stand-in for a desktop MCP host: starts `codebox mcp` as its stdio child with the official
// client, makes a sandbox with one call, says so on stdout, and waits to be killed. The
// integration test kills it outright (SIGKILL, as a crashed host) and checks that its child
// kills the sandbox and exits.
//   node stdio-host.ts <codebox.js> [codebox mcp flags...]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [cli, ...flags] = process.argv.slice(2);
if (!cli) throw new Error('usage: stdio-host.ts <codebox.js> [flags...]');
const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp', ...flags], env: { ...process.env } as Record<string, string>, stderr: 'inherit' });
const client = new Client({ name: 'stdio-host', version: '0' });
await client.connect(transport);
const { tools } = await client.listTools();
const result = await client.callTool({ name: 'run_command', arguments: { command: 'echo up from $(hostname)' } });
const text = (result.content as { type: string; text?: string }[])[0]?.text ?? '';
process.stdout.write(`${JSON.stringify({ serverPid: transport.pid, tools: tools.map((t) => t.name), text })}\n`);
// Keep running (and holding the child's pipes) until killed.
setInterval(() => {}, 60_000);
