import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { readJsonBody } from './read-json-body.js';

function body(...chunks: string[]): IncomingMessage {
  const stream = new PassThrough();
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return stream as unknown as IncomingMessage;
}

describe('readJsonBody', () => {
  it('parses a body that arrives in pieces', async () => {
    await expect(readJsonBody(body('{"co', 'de":"1+1"}'), { maxBytes: 100, what: 'request body' })).resolves.toEqual({ code: '1+1' });
  });

  it('answers `empty` for a blank body when given, and refuses it otherwise', async () => {
    await expect(readJsonBody(body(' \n'), { maxBytes: 100, what: 'request body', empty: {} })).resolves.toEqual({});
    await expect(readJsonBody(body(''), { maxBytes: 100, what: 'hand-over body' })).rejects.toThrow('hand-over body is not valid JSON');
  });

  it('refuses invalid JSON and a body over the limit with InvalidArgumentError', async () => {
    await expect(readJsonBody(body('{nope'), { maxBytes: 100, what: 'request body' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(readJsonBody(body('x'.repeat(60), 'y'.repeat(60)), { maxBytes: 100, what: 'request body' })).rejects.toThrow(
      'request body is larger than 100 bytes',
    );
  });

  it('refuses a body whose client went away before its end', async () => {
    const stream = new PassThrough();
    stream.write('{"code":');
    const reading = readJsonBody(stream as unknown as IncomingMessage, { maxBytes: 100, what: 'request body' });
    stream.destroy();
    await expect(reading).rejects.toThrow('ended before it was complete');
  });
});
