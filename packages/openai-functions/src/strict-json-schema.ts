import { z } from 'zod/v4';
import { NonStrictSchemaError } from './errors.js';

/** A JSON Schema object, as OpenAI's `parameters` fields take it. */
export type JsonSchema = { [key: string]: unknown };

/**
 * The JSON Schema of a zod schema, checked to be usable with OpenAI's strict function calling:
 * every object has `additionalProperties: false` and lists all its properties in `required`.
 * Strict mode is what makes the model's arguments always parse; a schema that breaks its rules
 * is rejected by the API at request time, so it is refused here, earlier and with the place.
 * Uses `zod/v4`, which zod 3.25+ and zod 4 both provide.
 *
 * @throws NonStrictSchemaError naming the first node that breaks the rules.
 */
export function toStrictJsonSchema(schema: z.ZodType): JsonSchema {
  // The output view: an object that strips unknown keys is `additionalProperties: false` there.
  // `$schema` is noise to the model and to the API; the dialect is OpenAI's subset anyway.
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema) as JsonSchema;
  if (json.type !== 'object') throw new NonStrictSchemaError('', 'the root must be an object (function arguments are a JSON object)');
  assertStrict(json, '');
  return json;
}

function assertStrict(node: unknown, pointer: string): void {
  if (Array.isArray(node)) {
    node.forEach((child, i) => assertStrict(child, `${pointer}/${i}`));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as JsonSchema;
  if (schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'))) {
    if (schema.additionalProperties !== false) throw new NonStrictSchemaError(pointer, 'an object allows additional properties');
    const properties = Object.keys((schema.properties as JsonSchema | undefined) ?? {});
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const missing = properties.filter((p) => !required.has(p));
    if (missing.length > 0) throw new NonStrictSchemaError(pointer, `optional properties ${missing.map((p) => `"${p}"`).join(', ')}`);
  }
  for (const [key, child] of Object.entries(schema)) assertStrict(child, `${pointer}/${escapePointer(key)}`);
}

/** RFC 6901: `~` and `/` in a key are escaped. */
function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
