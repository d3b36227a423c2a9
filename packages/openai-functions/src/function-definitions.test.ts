import { InvalidArgumentError, UnsupportedLanguageError } from '@codebox/core-client';
import { describe, expect, it } from 'vitest';
import { chatTools, codeboxFunctions, responsesTools } from './function-definitions.js';

describe('function definitions', () => {
  it('are the four Codebox tools as strict Chat Completions tools, every argument required', () => {
    const tools = chatTools();
    expect(tools.map((t) => [t.function.name, t.function.strict])).toEqual([
      ['run_code', true],
      ['run_command', true],
      ['read_file', true],
      ['write_file', true],
    ]);
    expect(tools[0]?.function.parameters).toMatchObject({
      type: 'object',
      required: ['code', 'language'],
      additionalProperties: false,
      properties: { language: { enum: ['python', 'javascript', 'typescript', 'r', 'java', 'bash'] } },
    });
    expect(tools[1]?.function.parameters).toMatchObject({ required: ['command', 'cwd'], properties: { cwd: { type: ['string', 'null'] } } });
    expect(tools[0]?.function.description).toMatch(/persist between calls/);
  });

  it('are flat Responses API function tools with the same schemas, and can be chosen and described', () => {
    const [tool, ...rest] = responsesTools({ languages: ['javascript', 'bash'], functions: ['run_code'], descriptions: { run_code: 'Run JS or bash.' } });
    expect(rest).toEqual([]);
    expect(tool).toEqual({
      type: 'function',
      name: 'run_code',
      description: 'Run JS or bash.',
      strict: true,
      parameters: chatTools({ languages: ['javascript', 'bash'] })[0]?.function.parameters,
    });
    expect(tool?.parameters).toMatchObject({ properties: { language: { enum: ['javascript', 'bash'] } } });
  });

  it('refuses languages there is no kernel for, an empty list, and unknown functions', () => {
    expect(() => chatTools({ languages: ['cobol' as 'python'] })).toThrow(UnsupportedLanguageError);
    expect(() => chatTools({ languages: ['cobol' as 'python'] })).toThrow(/"cobol".*python, javascript/);
    expect(() => responsesTools({ languages: [] })).toThrow(UnsupportedLanguageError);
    expect(() => chatTools({ functions: ['shell' as 'run_code'] })).toThrow(InvalidArgumentError);
  });

  it('validate the arguments against the offered languages, reading aliases as their language', () => {
    const [fn] = codeboxFunctions({ languages: ['bash'] });
    expect(fn?.args.safeParse({ code: 'ls', language: 'bash' }).success).toBe(true);
    expect(fn?.args.safeParse({ code: 'ls', language: 'sh' }).data).toEqual({ code: 'ls', language: 'bash' });
    expect(fn?.args.safeParse({ code: 'print(1)', language: 'python' }).success).toBe(false);
    expect(fn?.args.safeParse({ code: '', language: 'bash' }).success).toBe(false);
  });
});
