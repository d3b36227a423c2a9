import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  FileNotFoundError,
  InvalidArgumentError,
  NotFoundError,
  RateLimitError,
  SandboxError,
  TimeoutError,
} from '../errors.js';
import { rpcError } from './rpc-error.js';

describe('rpcError', () => {
  it.each([
    [Code.InvalidArgument, InvalidArgumentError],
    [Code.Unauthenticated, AuthenticationError],
    [Code.NotFound, NotFoundError],
    [Code.ResourceExhausted, RateLimitError],
    [Code.Unavailable, TimeoutError],
    [Code.Canceled, TimeoutError],
    [Code.DeadlineExceeded, TimeoutError],
    [Code.PermissionDenied, SandboxError],
  ])('maps Connect code %i', (code, cls) => {
    const err = rpcError(new ConnectError('boom', code));
    expect(err).toBeInstanceOf(cls);
    expect((err as Error).message).toContain('boom');
  });

  it('says which timeout was hit', () => {
    expect((rpcError(new ConnectError('x', Code.DeadlineExceeded)) as Error).message).toMatch(/timeoutMs/);
    expect((rpcError(new ConnectError('x', Code.Canceled)) as Error).message).toMatch(/requestTimeoutMs/);
    expect((rpcError(new ConnectError('x', Code.Unavailable)) as Error).message).toMatch(/sandbox timeout/);
  });

  it('applies overrides and passes other errors through', () => {
    const err = rpcError(new ConnectError('no file', Code.NotFound), { [Code.NotFound]: (m) => new FileNotFoundError(m) });
    expect(err).toBeInstanceOf(FileNotFoundError);
    const plain = new TypeError('x');
    expect(rpcError(plain)).toBe(plain);
  });
});
