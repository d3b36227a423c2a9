import type { SandboxUser } from './user-directory.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The agent's own configuration; user code must never see it (it may name host paths). */
const PRIVATE_PREFIX = 'CODEBOX_';

/**
 * `pip install X` as `user` installs into the user site (~/.local), as on E2B's images: the
 * system site is root's and read-only, so pip falls back to `--user` by itself, but Debian's
 * Python is marked externally managed (PEP 668) and pip would refuse before that. What goes into
 * a user site can shadow the system's packages for that user but never change them, so the mark
 * is overridden. Scripts pip installs go to ~/.local/bin, hence first on PATH.
 */
const PIP_USER_SITE = { PIP_BREAK_SYSTEM_PACKAGES: '1' } as const;

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
    PATH: `${user.home}/.local/bin:${DEFAULT_PATH}`,
    LANG: 'C.UTF-8',
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    SHELL: '/bin/bash',
    ...PIP_USER_SITE,
    ...sandboxEnvs,
    ...requestEnvs,
  };
  for (const name of Object.keys(env)) {
    if (name.startsWith(PRIVATE_PREFIX)) delete env[name];
  }
  return env;
}
