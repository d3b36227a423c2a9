import type { SandboxUser } from './user-directory.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The agent's own configuration; user code must never see it (it may name host paths). */
const PRIVATE_PREFIX = 'CODEBOX_';

/**
 * The environment of a user process: login basics for `user`, then the sandbox's env vars
 * (from create), then the request's own, later ones winning. Nothing of the agent's own
 * environment leaks through.
 */
export function buildProcessEnv(
  user: SandboxUser,
  sandboxEnvs: Readonly<Record<string, string>>,
  requestEnvs: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    LANG: 'C.UTF-8',
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    SHELL: '/bin/bash',
    ...sandboxEnvs,
    ...requestEnvs,
  };
  for (const name of Object.keys(env)) {
    if (name.startsWith(PRIVATE_PREFIX)) delete env[name];
  }
  return env;
}
