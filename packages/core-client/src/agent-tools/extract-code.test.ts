import { describe, expect, it } from 'vitest';
import { extractCode } from './extract-code.js';

describe('extractCode', () => {
  it('finds labelled blocks in order with their normalised language', () => {
    const text = [
      'First:',
      '```py',
      'print(1)',
      '```',
      'then',
      '```JavaScript',
      'console.log(2)',
      '```',
      '```ts',
      'const x: number = 3;',
      '```',
      '```R',
      'print(4)',
      '```',
      '```java',
      'System.out.println(5);',
      '```',
      '```shell',
      'echo 6',
      '```',
      '```sh',
      'echo 7',
      '```',
      '```bash',
      'echo 8',
      '```',
    ].join('\n');
    expect(extractCode(text).map((b) => [b.language, b.code])).toEqual([
      ['python', 'print(1)'],
      ['javascript', 'console.log(2)'],
      ['typescript', 'const x: number = 3;'],
      ['r', 'print(4)'],
      ['java', 'System.out.println(5);'],
      ['bash', 'echo 6'],
      ['bash', 'echo 7'],
      ['bash', 'echo 8'],
    ]);
  });

  it('treats an unlabelled fence as python and keeps the label as written', () => {
    expect(extractCode('```\nx = 1\n```')).toEqual([{ language: 'python', code: 'x = 1', label: '' }]);
    expect(extractCode('```python title="a.py"\nx = 1\n```')[0]).toEqual({ language: 'python', code: 'x = 1', label: 'python title="a.py"' });
  });

  it('ignores code spans, indented code, non-runnable labels and empty blocks', () => {
    const text = 'Use `print(1)` here.\n\n    indented = True\n\n```json\n{"a": 1}\n```\n\n```python\n```\n\n```text\nout\n```';
    expect(extractCode(text)).toEqual([]);
  });

  it('handles tilde fences, longer fences holding a fence, lists and block quotes as Markdown does', () => {
    const text = [
      '~~~bash',
      'ls',
      '~~~',
      '',
      '````python',
      's = """',
      '```',
      'not a fence end',
      '```',
      '"""',
      '````',
      '',
      '- step one:',
      '  ```js',
      '  console.log("in a list")',
      '  ```',
      '',
      '> ```py',
      '> print("quoted")',
      '> ```',
    ].join('\n');
    expect(extractCode(text)).toEqual([
      { language: 'bash', code: 'ls', label: 'bash' },
      { language: 'python', code: 's = """\n```\nnot a fence end\n```\n"""', label: 'python' },
      { language: 'javascript', code: 'console.log("in a list")', label: 'js' },
      { language: 'python', code: 'print("quoted")', label: 'py' },
    ]);
  });

  it('keeps code verbatim: no HTML escaping, inner blank lines and indentation preserved', () => {
    const code = 'if a < b and c > d:\n    print("&amp; <tag>")\n\n    pass';
    expect(extractCode(`\`\`\`python\n${code}\n\`\`\``)[0]?.code).toBe(code);
  });

  it('takes an unclosed fence to the end of the text, as CommonMark does', () => {
    expect(extractCode('Here:\n```python\nprint("cut off")\n')).toEqual([{ language: 'python', code: 'print("cut off")', label: 'python' }]);
  });

  it('returns nothing for prose', () => {
    expect(extractCode('The answer is 42.')).toEqual([]);
  });
});
