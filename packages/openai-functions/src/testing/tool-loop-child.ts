// A program in the middle of a tool-calling loop when it is stopped with a signal: it runs
// `runToolLoop` against the fake model server at argv[2], whose script has the model call
// long-running code; the code's output is echoed to stdout so the test knows it is running.
// Run by the integration test (bundled with esbuild) to check that SIGTERM kills the sandbox.
// Like a well-behaved program it reports the loop's failure (its sandbox is killed under the
// running code) instead of dying of an unhandled rejection before the signal's cleanup is done.
import { SandboxSessions } from '@codebox/core-client';
import OpenAI from 'openai';
import { runToolLoop } from '../run-tool-loop.js';

const [baseURL] = process.argv.slice(2);
const sessions = new SandboxSessions({ template: 'code-interpreter-v1' });
try {
  await runToolLoop({
    client: new OpenAI({ apiKey: 'test', baseURL, maxRetries: 0 }),
    model: 'fake-model',
    messages: [{ role: 'user', content: 'work for a long time' }],
    sessions,
    sessionId: 'child',
    onStdout: (text) => void process.stdout.write(text),
  });
} catch (err) {
  process.stdout.write(`loop ended: ${(err as Error).name}: ${(err as Error).message}\n`);
}
