#!/usr/bin/env node
// Codebox needs Node >= 22. When started by an older Node (e.g. `npx codebox` with the
// system's Node 20 first on PATH), hand over to the Node 22 that scripts/setup.sh installs
// into the repository's .tools folder, or say what to do.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const local = fileURLToPath(new URL('../../../.tools/node/bin/node', import.meta.url));
  if (!existsSync(local)) {
    console.error(`codebox: Node >= 22 is required (this is ${process.version}). Run "bash scripts/setup.sh" in the repository, or install Node 22.`);
    process.exit(1);
  }
  const child = spawn(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const { main } = await import('../dist/cli/cli.js');
  // `serve` returns once listening and keeps the process alive; other commands end here.
  process.exitCode = await main(process.argv);
}
