import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A clone must carry everything its pages and comments point to: links resolve inside the
// repository, paths named in Markdown exist, and nothing names a place only the team's machines have.
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.tools', '.turbo', 'coverage']);
const TEXT = /\.(md|ts|mts|mjs|js|c|h|sh|py|R|java|yaml|yml)$/;

function repoFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...repoFiles(path));
    else if (TEXT.test(entry.name)) out.push(relative(ROOT, path));
  }
  return out;
}

const inRepo = (path: string): boolean => path === ROOT || path.startsWith(ROOT + sep);
/** A test named by its stem (`test/conformance/egress`) counts as its file. */
const exists = (path: string): boolean => ['', '.ts', '.test.ts', '.integration.test.ts'].some((ext) => existsSync(path + ext));

const files = repoFiles();
const markdown = files.filter((file) => file.endsWith('.md'));

describe('references in the repository', () => {
  it('finds the pages', () => {
    expect(markdown).toEqual(expect.arrayContaining(['README.md', join('docs', 'architecture.md')]));
  });

  it('names no place outside the repository (team-only paths, the old shared design page)', () => {
    // Spelled in pieces so this file does not match itself.
    const outside = new RegExp(['/wo' + 'rk/', '\\.\\./sha' + 'red', 'ARCHI' + 'TECTURE\\.md'].join('|'));
    const hits = files.flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (outside.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });

  it('resolves every relative Markdown link to a path inside the repository', () => {
    const broken = markdown.flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)].flatMap(([, target = '']) => {
        if (/^(https?:|mailto:|#)/.test(target)) return [];
        const path = resolve(ROOT, dirname(file), decodeURIComponent(target.split('#')[0] ?? ''));
        return inRepo(path) && exists(path) ? [] : [`${file}: ${target}`];
      }),
    );
    expect(broken).toEqual([]);
  });

  it('finds every repository path a page names', () => {
    const named = /(?<![\w./@-])((?:packages|docs|test|examples|scripts|bench)\/[\w./@-]*[\w/])/g;
    const missing = markdown.flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(named)].flatMap(([, path = '']) =>
        exists(join(ROOT, path)) || exists(join(ROOT, dirname(file), path)) ? [] : [`${file}: ${path}`],
      ),
    );
    expect(missing).toEqual([]);
  });
});
