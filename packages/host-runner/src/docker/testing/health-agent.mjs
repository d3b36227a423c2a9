// Test double of the sandbox agent for backend tests: it only serves GET /health on the agent
// socket, so the Docker backend can be tested without depending on the real agent's progress.
import { createServer } from 'node:http';
import { rmSync } from 'node:fs';

// The template build runs every agent bundle once with this (agent-layer.ts: the real agent writes
// its compile cache); this double has nothing to cache.
if (process.argv[2] === '--prepare-compile-cache') process.exit(0);

const socket = process.env.CODEBOX_AGENT_SOCKET;
if (!socket) {
  console.error('CODEBOX_AGENT_SOCKET is not set');
  process.exit(2);
}
rmSync(socket, { force: true });
const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(204).end();
    return;
  }
  if (req.url === '/envs') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(process.env.CODEBOX_SANDBOX_ENVS ?? '{}');
    return;
  }
  res.writeHead(404).end();
});
server.listen(socket, () => console.log(`health agent listening on ${socket}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
