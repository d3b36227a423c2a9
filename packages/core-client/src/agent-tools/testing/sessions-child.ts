// A program that uses sessions and is then stopped with a signal: it opens the sessions named
// on its command line, says so on stdout, and waits. Run by the integration test (bundled
// with esbuild) to check that SIGTERM kills the sandboxes before the process goes.
import { SandboxSessions } from '../sandbox-sessions.js';

const sessions = new SandboxSessions({ template: 'base' });
const ids = process.argv.slice(2);
for (const id of ids) await sessions.get(id);
process.stdout.write(`ready ${ids.join(',')}\n`);
// Something to keep the process alive, as a server would.
setInterval(() => {}, 60_000);
