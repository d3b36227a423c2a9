/**
 * The languages Codebox runs code in: the one list every package takes them from (the code
 * interpreter's kernels, the agent tools' schemas, fence labels). Two ways of reading a name
 * live here too, because they mean different things: {@link normaliseLanguage} is what the
 * code interpreter's wire accepts, {@link languageOfLabel} what a person or a model means.
 */

/** Languages a context can run, in the order tool schemas list them. */
export const CODE_LANGUAGES = ['python', 'javascript', 'typescript', 'r', 'java', 'bash'] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

/** Aliases the code interpreter's wire accepts, as E2B's server does. */
const WIRE_ALIASES = { js: 'javascript', ts: 'typescript' } as const satisfies Readonly<Record<string, CodeLanguage>>;
export type CodeLanguageWireAlias = keyof typeof WIRE_ALIASES;

/**
 * The language a request names, as the server normalises it: aliases resolved, case and
 * surrounding blanks ignored, empty meaning `python`. `undefined` for a language no kernel runs.
 */
export function normaliseLanguage(language: string | null | undefined): CodeLanguage | undefined {
  const name = (language ?? '').trim().toLowerCase();
  if (name === '') return 'python';
  const resolved = Object.hasOwn(WIRE_ALIASES, name) ? WIRE_ALIASES[name as CodeLanguageWireAlias] : name;
  return (CODE_LANGUAGES as readonly string[]).includes(resolved) ? (resolved as CodeLanguage) : undefined;
}

/** Names people and models write for a language (fence labels, tool arguments), beyond its own. */
const LABEL_ALIASES: Readonly<Record<string, CodeLanguage>> = {
  ...WIRE_ALIASES,
  py: 'python',
  python3: 'python',
  py3: 'python',
  ipython: 'python',
  ipython3: 'python',
  mjs: 'javascript',
  cjs: 'javascript',
  node: 'javascript',
  nodejs: 'javascript',
  mts: 'typescript',
  cts: 'typescript',
  rscript: 'r',
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
};

/**
 * The language a label written by a person or a model means (a Markdown fence label, a tool
 * call's `language`), or `undefined` for labels that are not runnable code (`json`, `text`,
 * `output`, ...). Case is ignored and only the first word counts, so `python title="a.py"`
 * and pandoc-style `{.python}` work. Unlike {@link normaliseLanguage}, an empty label is no
 * language: the caller decides what a missing label means.
 */
export function languageOfLabel(label: string): CodeLanguage | undefined {
  const word = label.trim().split(/\s+/)[0] ?? '';
  const bare = word.replace(/^\{\.?/, '').replace(/\}$/, '').toLowerCase();
  if ((CODE_LANGUAGES as readonly string[]).includes(bare)) return bare as CodeLanguage;
  return Object.hasOwn(LABEL_ALIASES, bare) ? LABEL_ALIASES[bare] : undefined;
}
