import { UnauthenticatedError } from '../errors.js';
import type { SandboxUser, UserDirectory } from '../services/user-directory.js';

/** The one privileged name a caller may write; the directory answers it (refused while root is off). */
const ROOT = 'root';

/**
 * The user a request acts as: `Authorization: Basic base64("<user>:")` as the SDKs send it
 * (or the `username` query parameter on /files), else the sandbox's default user.
 *
 * Only the default user and `root` may be named. A template's other accounts (`daemon`,
 * `nobody`, `www-data`, …) exist for its packages, not for callers: acting as one would let a
 * caller reach files and processes that belong to no sandbox user. They are answered exactly as
 * envd answers a user it does not know, so nothing tells a caller which accounts exist.
 */
export function requestUser(
  users: UserDirectory,
  defaultUser: string,
  authorization: string | null | undefined,
  username?: string | null,
): SandboxUser {
  if (username) return resolveAllowed(users, defaultUser, username);
  if (!authorization) return users.resolve(defaultUser);
  const match = /^Basic\s+([A-Za-z0-9+/=_-]*)$/i.exec(authorization.trim());
  if (!match?.[1] && match?.[1] !== '') {
    throw new UnauthenticatedError('Authorization header must be Basic base64("<user>:")');
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const name = decoded.split(':')[0] ?? '';
  // An empty name is how an SDK says "no particular user", as envd reads it.
  return resolveAllowed(users, defaultUser, name || defaultUser);
}

function resolveAllowed(users: UserDirectory, defaultUser: string, name: string): SandboxUser {
  if (name !== defaultUser && name !== ROOT) {
    throw new UnauthenticatedError(`user '${name}' does not exist in this sandbox; use '${defaultUser}'`);
  }
  return users.resolve(name);
}
