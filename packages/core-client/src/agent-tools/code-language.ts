/** Languages the agent tools run: the `@e2b/code-interpreter` kernel names. */
export type CodeLanguage = 'python' | 'javascript' | 'typescript' | 'r' | 'java' | 'bash';

/** Fence labels models write, by the language they mean (lower-case; `R` is matched case-insensitively). */
const ALIASES: Record<string, CodeLanguage> = {
  python: 'python',
  py: 'python',
  python3: 'python',
  py3: 'python',
  ipython: 'python',
  ipython3: 'python',
  javascript: 'javascript',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  node: 'javascript',
  nodejs: 'javascript',
  typescript: 'typescript',
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  r: 'r',
  rscript: 'r',
  java: 'java',
  bash: 'bash',
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
};

/**
 * The language a fence label names, or `undefined` for labels that are not runnable code
 * (`json`, `text`, `output`, ...). Only the label's first word counts, so `python title="a.py"`
 * and pandoc-style `{.python}` work.
 */
export function normalizeLanguage(label: string): CodeLanguage | undefined {
  const word = label.trim().split(/\s+/)[0] ?? '';
  const bare = word.replace(/^\{\.?/, '').replace(/\}$/, '').toLowerCase();
  return Object.hasOwn(ALIASES, bare) ? ALIASES[bare] : undefined;
}
