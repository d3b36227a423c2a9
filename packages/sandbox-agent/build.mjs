// Bundles the agent into one ESM file that runs on the Node runtime copied into every template,
// and builds the static sandbox-exec helper that starts every user process (see native/).
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/main.js'],
  outfile: 'dist/agent.mjs',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // Some dependencies are CommonJS and call require(); give the bundle a real one.
  banner: { js: "import { createRequire as __cbCreateRequire } from 'node:module'; const require = __cbCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});

// Static, so it runs in any template image whatever libc it has (or none).
execFileSync('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', 'dist/sandbox-exec', 'native/sandbox-exec.c'], {
  stdio: 'inherit',
});
