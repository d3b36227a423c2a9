import type { z } from 'zod';
import { InvalidRequestError } from '../sandboxes/errors.js';

/**
 * Parses and validates a JSON request body. Malformed JSON and schema violations are both
 * 400s; the message names every offending field path so the caller can fix the request.
 */
export async function parseJsonBody<Schema extends z.ZodType>(
  request: Request,
  schema: Schema,
  { optional = false, quoteBody = true }: { optional?: boolean; /** false: the parser's message (which quotes the body) stays out of the error, for bodies carrying secrets. */ quoteBody?: boolean } = {},
): Promise<z.output<Schema>> {
  const text = await request.text();
  let json: unknown = {};
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch (error) {
      const detail = quoteBody ? ` (${(error as Error).message})` : '';
      throw new InvalidRequestError(`Request body is not valid JSON${detail}; send a JSON object with Content-Type: application/json.`);
    }
  } else if (!optional) {
    throw new InvalidRequestError('Request body is empty; send a JSON object with Content-Type: application/json.');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`);
    throw new InvalidRequestError(`Invalid request body: ${issues.join('; ')}.`);
  }
  return parsed.data;
}
