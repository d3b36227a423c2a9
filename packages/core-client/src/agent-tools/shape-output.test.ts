import { describe, expect, it } from 'vitest';
import { Execution, ExecutionError } from '../code-interpreter/execution.js';
import { Result } from '../code-interpreter/result.js';
import { CommandExitError, InvalidArgumentError } from '../errors.js';
import { shapeOutput } from './shape-output.js';
import { jpegBase64, pngBase64 } from './testing/test-images.js';

describe('shapeOutput', () => {
  it('renders an Execution: stdout, stderr, main result, displayed outputs and the error, colour codes removed', () => {
    const execution = new Execution(
      [new Result({ text: '42' }, true), new Result({ text: 'a table', html: '<table></table>' }, false)],
      { stdout: ['hello\n', 'world\n'], stderr: ['careful\n'] },
      new ExecutionError('NameError', "name 'x' is not defined", '\u001b[0;31mNameError\u001b[0m: line 1'),
    );
    const shaped = shapeOutput(execution);
    expect(shaped.text).toBe(
      [
        'stdout:\nhello\nworld',
        'stderr: careful',
        'result: 42',
        'output:\na table\n(also as: html)',
        "error:\nNameError: name 'x' is not defined\nNameError: line 1",
      ].join('\n'),
    );
    expect(shaped).toMatchObject({ images: [], truncated: false });
  });

  it('renders a CommandResult and a CommandExitError with the exit code', () => {
    expect(shapeOutput({ stdout: 'ok\n', stderr: '', exitCode: 0 }).text).toBe('stdout: ok');
    const failed = new CommandExitError({ stdout: '', stderr: 'boom\n', exitCode: 3, error: 'exit status 3' });
    expect(shapeOutput(failed).text).toBe('stderr: boom\nexit code: 3 — exit status 3');
  });

  it('says so when there was no output at all', () => {
    expect(shapeOutput(new Execution()).text).toBe('(no output)');
  });

  it('returns images as parts and describes them in the text, dropping the figure repr', () => {
    const png = pngBase64(640, 480);
    const jpg = jpegBase64(20, 10);
    const shaped = shapeOutput({
      logs: { stdout: [], stderr: [] },
      results: [
        { text: '<Figure size 640x480 with 1 Axes>', png, chart: { type: 'line', title: null, elements: [] } },
        { jpeg: jpg, isMainResult: false },
      ],
    });
    expect(shaped.images.map((i) => [i.mimeType, i.width, i.height, i.data])).toEqual([
      ['image/png', 640, 480, png],
      ['image/jpeg', 20, 10, jpg],
    ]);
    expect(shaped.text).toMatch(/^output:\n\[image\/png 640×480, \d+ KB\]\n\[image\/jpeg 20×10, \d+ (B|KB)\]$/);
    expect(shaped.text).not.toContain('Figure');
    // The figure's chart (its data) goes unnamed next to the image itself.
    expect(shaped.text).not.toContain('chart');
  });

  it('keeps the whole text within the budget, cutting the big section and keeping the small ones whole', () => {
    const stdout = Array.from({ length: 5000 }, (_, i) => `row ${i}\n`);
    const shaped = shapeOutput(
      { logs: { stdout, stderr: ['warning: slow\n'] }, error: { name: 'ValueError', value: 'bad row', traceback: 'at row 4999' } },
      { maxChars: 1000 },
    );
    expect(shaped.truncated).toBe(true);
    expect(shaped.text.length).toBeLessThanOrEqual(1000);
    expect(shaped.text).toMatch(/^stdout:\nrow 0\nrow 1\n/);
    expect(shaped.text).toContain('row 4999\nstderr: warning: slow\n');
    expect(shaped.text).toMatch(/\[… \d+ characters \(\d+ lines\) cut …\]/);
    expect(shaped.text.endsWith('error:\nValueError: bad row\nat row 4999')).toBe(true);
  });

  it('shares the budget between several large sections', () => {
    const big = (c: string): string => `${c.repeat(80)}\n`.repeat(100);
    const shaped = shapeOutput({ stdout: big('o'), stderr: big('e'), exitCode: 1 }, { maxChars: 2000 });
    expect(shaped.text.length).toBeLessThanOrEqual(2000);
    // Cuts snap to line breaks (81-char lines here), so a few lines of slack per cut.
    expect(shaped.text.length).toBeGreaterThan(1600);
    const [out, err] = shaped.text.split('\nstderr:\n');
    expect(out?.length).toBeGreaterThan(800);
    expect(err?.length).toBeGreaterThan(800);
    expect(shaped.text.endsWith('exit code: 1')).toBe(true);
  });

  it('uses the most readable format of a result without text', () => {
    const shaped = shapeOutput({ logs: { stdout: [], stderr: [] }, results: [{ json: { a: 1 }, html: '<b>1</b>', isMainResult: true }] });
    expect(shaped.text).toBe('result:\n{"a":1}\n(also as: html)');
  });

  it('rejects a budget too small for its sections', () => {
    expect(() => shapeOutput(new Execution(), { maxChars: 100 })).toThrow(InvalidArgumentError);
  });
});
