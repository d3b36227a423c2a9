// Lint (part of `bash scripts/test.sh`): a small rule set of mistakes the compiler does not catch.
// tsc (strict, noUnused*) already covers types and unused code; these rules cover promises nobody
// awaits, tests that cannot fail, and `any` leaking into source. Generated code is not linted.
import vitest from '@vitest/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', 'packages/protocol/src/gen/**', '.tools/**', 'artifacts/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: ['./tsconfig.test.json', './packages/*/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // A promise nobody awaits loses its error (an unhandled rejection ends the runner or agent).
      '@typescript-eslint/no-floating-promises': 'error',
      // An async function where a callback's result is ignored (e.g. an event listener) hides rejections.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // E2B's own examples, kept verbatim but for the import: a top-level `main()` whose rejection ends
    // the script with exit code 1 is what a script should do.
    files: ['examples/e2b-drop-in/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['**/*.test.ts'],
    plugins: { vitest },
    rules: {
      // Tests that cannot fail: no assertion, an un-awaited `expect(...).rejects`, focused or disabled tests.
      'vitest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'assert*', '*.expect*', 'waitUntil', 'vi.waitFor', 'fc.assert'] }],
      'vitest/valid-expect': ['error', { alwaysAwait: false, maxArgs: 2 }],
      'vitest/no-focused-tests': 'error',
      'vitest/no-disabled-tests': 'error',
      'vitest/no-identical-title': 'error',
    },
  },
);
