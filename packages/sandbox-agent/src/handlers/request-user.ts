import { UnauthenticatedError } from '../errors.js';
import type { SandboxUser, UserDirectory } from '../services/user-directory.js';

/**
 * The user a request acts as: `Authorization: Basic base64("<user>:")` as the SDKs send it
 * (or the `username` query parameter on /files), else the sandbox's default user.
 */
export function requestUser(
  users: UserDirectory,
  defaultUser: string,
  authorization: string | null | undefined,
  username?: string | null,
): SandboxUser {
  if (username) return users.resolve(username);
  if (!authorization) return users.resolve(defaultUser);
  const match = /^Basic\s+([A-Za-z0-9+/=_-]*)$/i.exec(authorization.trim());
  if (!match?.[1] && match?.[1] !== '') {
    throw new UnauthenticatedError('Authorization header must be Basic base64("<user>:")');
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const name = decoded.split(':')[0] ?? '';
  return users.resolve(name || defaultUser);
}
