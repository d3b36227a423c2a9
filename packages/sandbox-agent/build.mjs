// Bundles the agent into one ESM file that runs on the Node runtime copied into every template.
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
