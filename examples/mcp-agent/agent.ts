// An AI SDK agent whose sandbox tools come over the Model Context Protocol: it starts
// `codebox mcp` as a stdio child (as a desktop MCP host would), takes the server's tools with
// @ai-sdk/mcp's client, and lets a model use them: the code it writes runs in a Codebox sandbox,
// the chart comes back as an image, and the files it leaves are MCP resources.
//
//   node examples/mcp-agent/agent.ts ["question"]
//
// Needs a runner (CODEBOX_API_URL / CODEBOX_API_KEY, see `npx codebox serve`), which the child
// inherits; uses the scripted model unless OPENAI_API_KEY is set. `--out DIR` says where charts go.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createMCPClient } from '@ai-sdk/mcp';
import { Experimental_StdioMCPTransport as StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import { stepCountIs, streamText } from 'ai';
import { chatModel } from '../vercel-ai-chat/model.ts';
import { RECORDED_CODE, SCRIPTED_QUESTION } from '../vercel-ai-chat/scripted-model.ts';

/** A tool result's text parts, for a model that cannot take images in tool results. */
function textOnly({ output }: { output: unknown }): { type: 'text'; value: string } {
  const content = (output as { content?: { type: string; text?: string }[] }).content ?? [];
  return { type: 'text', value: content.flatMap((part) => (part.type === 'text' && part.text ? [part.text] : [])).join('\n') };
}

const CODEBOX_CLI = resolve(import.meta.dirname, '../../packages/host-runner/bin/codebox.js');

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
const outDir = values.out ? resolve(values.out) : mkdtempSync(join(tmpdir(), 'codebox-mcp-agent-'));
mkdirSync(outDir, { recursive: true });
const question = positionals.join(' ').trim() || SCRIPTED_QUESTION;

// The recorded analysis, also leaving its numbers in a CSV file: a file the MCP client then finds as a resource.
const chat = chatModel({
  scriptedCode: `${RECORDED_CODE}\nwith open("primes_per_thousand.csv", "w") as f:\n    f.write("from,primes\\n" + "".join(f"{i * 1000},{c}\\n" for i, c in enumerate(counts)))\n`,
});
console.log(`model: ${chat.label}`);
// The same command a desktop host's configuration names: `npx codebox mcp` (here the repository's CLI).
const transport = new StdioMCPTransport({
  command: process.execPath,
  args: [CODEBOX_CLI, 'mcp', '--timeout', '120'],
  env: Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
});
const mcp = await createMCPClient({ transport, clientName: 'codebox-mcp-agent' });
try {
  const mcpTools = await mcp.tools();
  // Chat Completions servers (OPENAI_BASE_URL) take text-only tool results: give them the image's description.
  const tools = chat.seesImages ? mcpTools : Object.fromEntries(Object.entries(mcpTools).map(([name, tool]) => [name, { ...tool, toModelOutput: textOnly }]));
  console.log(`MCP server ${mcp.serverInfo.name}: tools ${Object.keys(tools).join(', ')}`);
  console.log(`you: ${question}`);
  const result = streamText({
    model: chat.model,
    system: mcp.instructions ?? '',
    prompt: question,
    tools,
    stopWhen: stepCountIs(6),
  });
  let charts = 0;
  for await (const part of result.fullStream) {
    switch (part.type) {
      case 'text-delta':
        process.stdout.write(part.text);
        break;
      case 'tool-call':
        console.log(`▶ ${part.toolName}\n${JSON.stringify(part.input).slice(0, 200)}`);
        break;
      case 'tool-result': {
        const content = (part.output as { content?: { type: string; text?: string; data?: string; mimeType?: string }[] }).content ?? [];
        for (const item of content) {
          if (item.type === 'text') console.log(item.text);
          if (item.type === 'image' && item.data) {
            const file = join(outDir, `chart-${++charts}.${item.mimeType === 'image/jpeg' ? 'jpg' : 'png'}`);
            writeFileSync(file, Buffer.from(item.data, 'base64'));
            console.log(`chart saved: ${file}`);
          }
        }
        break;
      }
      case 'tool-error':
        console.log(`${part.toolName} failed: ${String(part.error)}`);
        break;
      case 'error':
        throw part.error;
    }
  }
  process.stdout.write('\n');
  // What the sandbox holds now, as the server's MCP resources.
  const { resources } = await mcp.listResources();
  console.log(`files in the sandbox (MCP resources): ${resources.map((r) => r.uri).join(', ') || '(none)'}`);
} finally {
  // Closing the client ends the stdio child, which kills the session's sandbox.
  await mcp.close();
}
