// Bundles the agent into one ESM file that runs on the Node runtime copied into every template,
// builds the static sandbox-exec helper that starts every user process (see native/), and lays
// out the kernels' runtime files in dist/kernels/ (found beside agent.mjs at run time).
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: ['dist/main.js'],
  outfile: 'dist/agent.mjs',
  // A native add-on: loaded at run time from xattr.node beside agent.mjs (copied below).
  external: ['@napi-rs/xattr'],
  // Native add-ons load only from beside agent.mjs in the bundle (services/native-addon.ts).
  define: { CODEBOX_AGENT_BUNDLE: 'true' },
  // Some dependencies are CommonJS and call require(); give the bundle a real one.
  banner: { js: "import { createRequire as __cbCreateRequire } from 'node:module'; const require = __cbCreateRequire(import.meta.url);" },
});

// Bridge scripts (bash, Python, R, Java) as they are; the JavaScript bridge is TypeScript,
// compiled by tsc and bundled here into one file the kernel's Node runs. debian-packages.txt
// is read by the template builder from the source tree, so it is not copied.
rmSync('dist/kernels', { recursive: true, force: true });
cpSync('kernels', 'dist/kernels', { recursive: true, filter: (source) => !source.endsWith('debian-packages.txt') });
await build({
  ...common,
  entryPoints: ['dist/interpreter/kernels/javascript-bridge.js'],
  outfile: 'dist/kernels/javascript/bridge.mjs',
});

// Static, so it runs in any template image whatever libc it has (or none). sandbox-root.c is its
// `--root-namespace` mode, root mode's container entry (one binary, one content hash).
execFileSync('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', 'dist/sandbox-exec', 'native/sandbox-exec.c', 'native/sandbox-pty.c', 'native/sandbox-root.c', 'native/sandbox-sudo.c', 'native/sudo-broker.c'], {
  stdio: 'inherit',
});

/** A shared library for any glibc: both link only GLIBC_2.2.5 symbols (syscall and a few more). */
const sharedLibrary = (output, source, extra = []) =>
  execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-fvisibility=hidden', ...extra, '-o', output, source], { stdio: 'inherit' });

// For /etc/ld.so.preload in runsc sandboxes.
sharedLibrary('dist/gvisor-compat.so', 'native/gvisor-compat.c');
// Node-API add-on (headers from node-api-headers): asUser's per-thread identity switch; Node
// provides the napi_* symbols at load.
sharedLibrary('dist/thread-identity.node', 'native/thread-identity.c', ['-I', dirname(require.resolve('node-api-headers/include/node_api.h'))]);

// The prebuilt extended-attribute add-on (glibc >= 2.14, x86-64) that @napi-rs/xattr ships for
// this platform; file metadata (envd 0.6.2) is stored in user.e2b.* xattrs through it.
copyFileSync(require.resolve('@napi-rs/xattr-linux-x64-gnu/xattr.linux-x64-gnu.node'), 'dist/xattr.node');
