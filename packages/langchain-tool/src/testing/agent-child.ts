// An agent program stopped with a signal while its tool is running: it asks for code that
// prints and then sleeps for a minute, says "running" on stdout once the first line streams
// in, and waits. Run by the integration test (bundled with esbuild) to check that SIGTERM
// kills the sandbox before the process goes, with nothing but the tools' default sessions.
import { AIMessage } from '@langchain/core/messages';
import { createAgent, fakeModel } from 'langchain';
import { createCodeboxTools } from '../create-codebox-tools.js';
import { CODEBOX_OUTPUT_EVENT } from '../output-events.js';

const codebox = createCodeboxTools();
const model = fakeModel()
  .respondWithTools([{ name: 'run_code', args: { code: 'import time\nprint("started", flush=True)\ntime.sleep(60)' } }])
  .respond(new AIMessage('slept'));
const agent = createAgent({ model, tools: codebox.tools });
for await (const event of agent.streamEvents({ messages: [{ role: 'user', content: 'sleep' }] }, { version: 'v2', configurable: { thread_id: 'child' } })) {
  if (event.event === 'on_custom_event' && event.name === CODEBOX_OUTPUT_EVENT) process.stdout.write('running\n');
}
