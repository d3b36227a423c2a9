import { types } from 'node:util';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CellSyntaxError, compileCell } from './javascript-cell.js';

/** Runs cells one after another in one fresh global context, as the bridge does. */
function notebook(language: 'javascript' | 'typescript' = 'javascript') {
  const context = vm.createContext({});
  return async (code: string): Promise<unknown> => {
    const outcome = (await vm.runInContext(compileCell(code, language), context)) as { value: unknown } | undefined;
    return outcome?.value;
  };
}

describe('compileCell', () => {
  it('keeps top-level declarations across cells and allows declaring them again', async () => {
    const run = notebook();
    expect(await run('const a = 1; let b = 2; var c = 3; a + b + c')).toBe(6);
    expect(await run('a * 10 + b')).toBe(12);
    expect(await run('const a = 5; a')).toBe(5);
    expect(await run('let b; b')).toBeUndefined();
  });

  it('treats exported declarations as plain ones', async () => {
    const run = notebook();
    await run('export const shared = 3; export function triple(x) { return shared * x }');
    expect(await run('triple(2)')).toBe(6);
  });

  it('makes functions (hoisted) and classes global', async () => {
    const run = notebook();
    expect(await run('const early = twice(2); function twice(x) { return 2 * x } class Point { constructor(x) { this.x = x } } early')).toBe(4);
    expect(await run('new Point(twice(3)).x')).toBe(6);
  });

  it('binds every name of a destructuring pattern', async () => {
    const run = notebook();
    await run('const { a, b: [c, ...rest], d = 4, ...others } = { a: 1, b: [2, 3, 5], e: 6 }');
    expect(await run('[a, c, rest, d, others]')).toEqual([1, 2, [3, 5], 4, { e: 6 }]);
  });

  it('supports top-level await and returns a promise value unawaited', async () => {
    const run = notebook();
    expect(await run('const v = await Promise.resolve(7); v')).toBe(7);
    const boxed = (await vm.runInContext(compileCell('Promise.resolve(1)', 'javascript'), vm.createContext({}))) as { value: unknown };
    expect(types.isPromise(boxed.value)).toBe(true);
  });

  it('gives no value when the cell does not end with an expression', async () => {
    const run = notebook();
    expect(await run('1; const x = 2')).toBeUndefined();
    expect(await run('if (x) { 3 }')).toBeUndefined();
  });

  it('turns static imports into dynamic imports bound to the same names', () => {
    const code = compileCell("import fs, { join as j, 'x-y' as xy } from 'node:path'; import * as os from 'node:os'; import 'side';", 'javascript');
    expect(code).toContain("({default: fs, join: j, 'x-y': xy} = await import('node:path'))");
    expect(code).toContain("os = await import('node:os')");
    expect(code).toContain("await import('side')");
    expect(code.startsWith('var fs, j, xy, os; ')).toBe(true);
  });

  it('strips TypeScript types and compiles enums', async () => {
    const run = notebook('typescript');
    expect(await run('interface P { x: number }\nenum Color { Red, Green }\nconst p: P = { x: 2 };\nfunction f(n: number): number { return n * 21 }\nf(p.x) + Color.Green')).toBe(43);
  });

  it('keeps line numbers of the cell', () => {
    const code = compileCell('const a = 1;\nconst b = 2;\nthrow new Error("x")', 'javascript');
    expect(code.split('\n')[2]).toContain('throw new Error("x")');
  });

  it('reports syntax errors as the user code’s SyntaxError', () => {
    expect(() => compileCell('let = =', 'javascript')).toThrow(CellSyntaxError);
    expect(() => compileCell('const x: = 1', 'typescript')).toThrow(CellSyntaxError);
    try {
      compileCell('let = =', 'javascript');
    } catch (error) {
      expect((error as Error).name).toBe('SyntaxError');
    }
  });
});
