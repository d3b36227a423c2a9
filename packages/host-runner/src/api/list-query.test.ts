import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../sandboxes/errors.js';
import { parseListQuery, parseMetadataFilter } from './list-query.js';

describe('parseMetadataFilter', () => {
  it('decodes the SDK’s doubly encoded pairs', () => {
    const encoded = new URLSearchParams({ [encodeURIComponent('user id')]: encodeURIComponent('a=b&c'), plain: 'x' }).toString();
    expect(parseMetadataFilter(encoded)).toEqual({ 'user id': 'a=b&c', plain: 'x' });
    expect(parseMetadataFilter(null)).toEqual({});
  });

  it('rejects broken percent-encoding with a 400 error', () => {
    expect(() => parseMetadataFilter('k=%E0%A4%A')).toThrow(InvalidRequestError);
  });
});

describe('parseListQuery', () => {
  it('defaults to both states, newest first, 100 per page', () => {
    expect(parseListQuery(new URLSearchParams())).toMatchObject({ states: ['running', 'paused'], order: 'desc', limit: 100, after: undefined });
  });

  it('accepts form-style and repeated state parameters', () => {
    expect(parseListQuery(new URLSearchParams('state=running,paused')).states).toEqual(['running', 'paused']);
    expect(parseListQuery(new URLSearchParams('state=paused&state=running')).states).toEqual(['paused', 'running']);
  });

  it('rejects bad order, startedAfter and limit values', () => {
    expect(() => parseListQuery(new URLSearchParams('order=sideways'))).toThrow(/order/);
    expect(() => parseListQuery(new URLSearchParams('startedAfter=yesterday'))).toThrow(/startedAfter/);
    expect(() => parseListQuery(new URLSearchParams('limit=1.5'))).toThrow(/limit/);
  });
});
