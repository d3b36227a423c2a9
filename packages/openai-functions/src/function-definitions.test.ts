import { InvalidArgumentError } from '@codebox/core-client';
import { describe, expect, it } from 'vitest';
import { UnsupportedLanguageError } from './errors.js';
import { chatTools, responsesTools } from './function-definitions.js';
import { runCodeFunction } from './run-code-function.js';

describe('function definitions', () => {
  it('are strict Chat Completions tools with every argument required', () => {
    const [tool, ...rest] = chatTools();
    expect(rest).toEqual([]);
    expect(tool).toMatchObject({ type: 'function', function: { name: 'run_code', strict: true } });
    expect(tool?.function.parameters).toMatchObject({
      type: 'object',
      required: ['code', 'language'],
      additionalProperties: false,
      properties: { language: { enum: ['python', 'javascript', 'typescript', 'r', 'java', 'bash'] } },
    });
    expect(tool?.function.description).toMatch(/persist between calls/);
  });

  it('are flat Responses API function tools with the same schema', () => {
    const [tool] = responsesTools({ languages: ['javascript', 'bash'], description: 'Run JS or bash.' });
    expect(tool).toEqual({
      type: 'function',
      name: 'run_code',
      description: 'Run JS or bash.',
      strict: true,
      parameters: chatTools({ languages: ['javascript', 'bash'] })[0]?.function.parameters,
    });
    expect(tool?.parameters).toMatchObject({ properties: { language: { enum: ['javascript', 'bash'] } } });
  });

  it('refuses languages there is no kernel for, and an empty list', () => {
    expect(() => chatTools({ languages: ['cobol' as 'python'] })).toThrow(UnsupportedLanguageError);
    expect(() => chatTools({ languages: ['cobol' as 'python'] })).toThrow(InvalidArgumentError);
    expect(() => chatTools({ languages: ['cobol' as 'python'] })).toThrow(/"cobol".*python, javascript/);
    expect(() => responsesTools({ languages: [] })).toThrow(UnsupportedLanguageError);
  });

  it('validate the arguments against the offered languages', () => {
    const fn = runCodeFunction({ languages: ['bash'] });
    expect(fn.args.safeParse({ code: 'ls', language: 'bash' }).success).toBe(true);
    expect(fn.args.safeParse({ code: 'print(1)', language: 'python' }).success).toBe(false);
    expect(fn.args.safeParse({ code: '', language: 'bash' }).success).toBe(false);
  });
});
