import { describe, expect, it } from 'vitest';
import { z } from 'zod/v4';
import { NonStrictSchemaError } from './errors.js';
import { toStrictJsonSchema } from './strict-json-schema.js';

describe('toStrictJsonSchema', () => {
  it('turns a strict zod object into a JSON schema without the $schema dialect', () => {
    const json = toStrictJsonSchema(z.object({ a: z.string(), b: z.object({ c: z.number().nullable() }) }));
    expect(json).toEqual({
      type: 'object',
      properties: {
        a: { type: 'string' },
        b: {
          type: 'object',
          properties: { c: { type: ['number', 'null'] } },
          required: ['c'],
          additionalProperties: false,
        },
      },
      required: ['a', 'b'],
      additionalProperties: false,
    });
  });

  it('refuses optional properties, naming them and where they are', () => {
    const error = catchError(() => toStrictJsonSchema(z.object({ outer: z.object({ x: z.string().optional() }) })));
    expect(error).toBeInstanceOf(NonStrictSchemaError);
    expect(error).toMatchObject({ name: 'NonStrictSchemaError', pointer: '/properties/outer' });
    expect(error.message).toContain('optional properties "x"');
    expect(error.message).toContain('nullable');
  });

  it('refuses objects that allow extra properties, also inside arrays', () => {
    const error = catchError(() => toStrictJsonSchema(z.object({ list: z.array(z.looseObject({ y: z.string() })) })));
    expect(error).toMatchObject({ name: 'NonStrictSchemaError', pointer: '/properties/list/items' });
    expect(error.message).toContain('additional properties');
  });

  it('refuses a root that is not an object', () => {
    expect(() => toStrictJsonSchema(z.string())).toThrow(/root must be an object/);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}
