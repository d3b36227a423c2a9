import { SANDBOX_USER } from '@codebox/protocol';
import { envdSupports } from './envd-versions.js';

/**
 * Headers selecting the Linux user a request runs as: `Authorization: Basic base64("<user>:")`.
 * No header means the agent's default user; agents older than 0.4.0 have none, so `user` is
 * named explicitly for them.
 */
export function userHeaders(envdVersion: string, user: string | undefined): Record<string, string> {
  const name = user ?? (envdSupports(envdVersion, 'defaultUser') ? undefined : SANDBOX_USER);
  if (!name) return {};
  return { Authorization: `Basic ${Buffer.from(`${name}:`).toString('base64')}` };
}

/** The `username` query parameter of `/files` for the same rule. */
export function usernameParam(envdVersion: string, user: string | undefined): string | undefined {
  return user ?? (envdSupports(envdVersion, 'defaultUser') ? undefined : SANDBOX_USER);
}
