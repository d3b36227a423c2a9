// src/gen is generated from proto/ (buf.gen.yaml) and committed. This regenerates it into a temp
// dir and compares file by file, so a hand edit of generated code, or a .proto change without
// `npm run generate -w @codebox/protocol`, fails the tests instead of drifting silently.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'codebox-protocol-gen-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), readFileSync(path, 'utf8'));
  }
  return files;
}

it('src/gen is exactly what buf generates from proto/', () => {
  // `npx` finds the workspace's buf and protoc-gen-es (devDependencies); both run offline.
  execFileSync('npx', ['--no-install', 'buf', 'generate', '--output', out], { cwd: packageDir, stdio: 'pipe' });
  const generated = filesUnder(join(out, 'src', 'gen'));
  const committed = filesUnder(join(packageDir, 'src', 'gen'));
  expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
  for (const [path, text] of generated) expect(committed.get(path), `src/gen/${path}`).toBe(text);
}, 60_000);
