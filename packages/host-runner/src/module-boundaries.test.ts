import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The seams docs/architecture.md promises, checked on the sources: a move or a new import that
// breaks one fails here, not in a review.
const SRC = fileURLToPath(new URL('.', import.meta.url));

/** Production sources (tests and test helpers excluded), relative to src/. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'testing') walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(relative(SRC, path));
    }
  };
  walk(SRC);
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gm)].map((m) => m[1] ?? '');
}

/** Where the runner is put together from its parts: the only places that may name the Docker backend. */
const COMPOSITION_ROOTS = new Set(['index.ts', join('cli', 'cli.ts')]);

describe('module boundaries', () => {
  const files = sources();

  it('finds the sources', () => {
    expect(files).toContain(join('docker', 'docker-backend.ts'));
    expect(files).toContain(join('templates', 'template-store.ts'));
    // The parser sees multi-line and type-only imports.
    expect(importsOf(join('docker', 'docker-backend.ts'))).toEqual(expect.arrayContaining(['dockerode', '../sandboxes/sandbox-backend.js']));
  });

  it('only docker/ uses dockerode', () => {
    const users = files.filter((file) => importsOf(file).includes('dockerode') && !file.startsWith(`docker/`));
    expect(users).toEqual([]);
  });

  it('nothing but docker/ and the composition roots imports docker/ (templates/ goes through ImageBackend, the rest through SandboxBackend)', () => {
    const offenders = files.filter(
      (file) => !file.startsWith('docker/') && !COMPOSITION_ROOTS.has(file) && importsOf(file).some((spec) => /(^|\/)docker\//.test(spec)),
    );
    expect(offenders).toEqual([]);
  });

  it('the server side never imports the CLI', () => {
    const offenders = files.filter((file) => !file.startsWith('cli/') && file !== 'index.ts' && importsOf(file).some((spec) => /(^|\/)cli\//.test(spec)));
    expect(offenders).toEqual([]);
  });
});
