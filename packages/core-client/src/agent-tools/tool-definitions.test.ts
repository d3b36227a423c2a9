import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { UnsupportedLanguageError } from './errors.js';
import { CODEBOX_TOOL_NAMES, strictToolSchemas, toolDescriptions, toolLanguages, toolSchemas } from './tool-definitions.js';

describe('tool definitions', () => {
  it('name the four tools and describe each, run_code with its languages and default', () => {
    expect(CODEBOX_TOOL_NAMES).toEqual(['run_code', 'run_command', 'read_file', 'write_file']);
    const descriptions = toolDescriptions({ languages: ['bash', 'python'] });
    expect(Object.keys(descriptions)).toEqual([...CODEBOX_TOOL_NAMES]);
    expect(descriptions.run_code).toContain('Languages: bash, python (bash when not given).');
    expect(toolDescriptions({ languageRequired: true }).run_code).toContain('Languages: python, javascript, typescript, r, java, bash.');
    expect(toolDescriptions({ descriptions: { read_file: 'Mine.' } }).read_file).toBe('Mine.');
  });

  it('check the languages: known ones, at least one, each once', () => {
    expect(toolLanguages(['python', 'python', 'bash'])).toEqual(['python', 'bash']);
    expect(() => toolLanguages([])).toThrow(UnsupportedLanguageError);
    expect(() => toolLanguages(['cobol' as 'python'])).toThrow(/"cobol"/);
  });

  it('read the aliases models write as the language they mean, and show the model the plain enum', () => {
    const schema = toolSchemas({ languages: ['python', 'bash'] }).run_code;
    expect(schema.parse({ code: 'x', language: 'py' })).toEqual({ code: 'x', language: 'python' });
    expect(schema.parse({ code: 'x', language: 'Shell' })).toEqual({ code: 'x', language: 'bash' });
    expect(schema.parse({ code: 'x' })).toEqual({ code: 'x' });
    expect(schema.safeParse({ code: 'x', language: 'js' }).success).toBe(false);
    expect(z.toJSONSchema(schema, { io: 'input' })).toMatchObject({
      properties: { language: { type: 'string', enum: ['python', 'bash'] } },
      required: ['code'],
    });
  });

  it('have a strict form: every argument required, an optional one nullable', () => {
    const strict = strictToolSchemas();
    expect(strict.run_command.parse({ command: 'ls', cwd: null })).toEqual({ command: 'ls', cwd: null });
    expect(strict.run_command.safeParse({ command: 'ls' }).success).toBe(false);
    expect(strict.run_code.safeParse({ code: 'x' }).success).toBe(false);
    for (const schema of Object.values(strict)) {
      const json = z.toJSONSchema(schema) as { properties: object; required: string[]; additionalProperties: boolean };
      expect(json.required.sort()).toEqual(Object.keys(json.properties).sort());
      expect(json.additionalProperties).toBe(false);
    }
  });
});
