import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InvalidArgumentError,
  NotFoundError,
  RateLimitError,
  SandboxError,
  SandboxNotFoundError,
} from '../errors.js';
import { errorMessage } from '../http/error-message.js';
import { apiError } from './api-error.js';

describe('apiError', () => {
  it.each([
    [400, InvalidArgumentError],
    [401, AuthenticationError],
    [404, NotFoundError],
    [429, RateLimitError],
    [500, SandboxError],
  ])('maps %i to %s', (status, cls) => {
    const err = apiError(status, 'server says no');
    expect(err).toBeInstanceOf(cls);
    expect(err.message).toContain('server says no');
  });

  it('keeps AuthenticationError outside SandboxError, as the SDK does', () => {
    expect(apiError(401, 'x')).not.toBeInstanceOf(SandboxError);
  });

  it('uses the call-specific not-found error and records the status', () => {
    const err = apiError(404, 'gone', (m) => new SandboxNotFoundError(m));
    expect(err).toBeInstanceOf(SandboxNotFoundError);
    expect((err as SandboxError).statusCode).toBe(404);
    expect(err.name).toBe('SandboxNotFoundError');
  });
});

describe('errorMessage', () => {
  it('reads the message of an {code, message} body', () => {
    expect(errorMessage('{"code":400,"message":"bad timeout"}', 'Bad Request')).toBe('bad timeout');
  });
  it('falls back to the text, then the status text', () => {
    expect(errorMessage('plain failure\n', 'Bad Request')).toBe('plain failure');
    expect(errorMessage('', 'Bad Request')).toBe('Bad Request');
  });
});
