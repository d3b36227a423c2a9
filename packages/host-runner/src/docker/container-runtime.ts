import type Dockerode from 'dockerode';
import type { SandboxRuntime } from '../sandboxes/sandbox-runtime.js';
import { RuntimeNotRegisteredError } from './errors.js';

/**
 * The Docker runtimes (daemon.json `runtimes` keys) behind each isolation level, as
 * scripts/register-runsc.sh registers them. runsc takes its network mode as a runtime argument,
 * not per container, so it needs two registrations: `--network=host` for sandboxes on the runner's
 * bridge (gVisor's own netstack refuses to start on this kernel; with host mode the sentry uses the
 * container's network namespace, so the iptables egress filter still applies) and
 * `--network=none` for offline sandboxes (gVisor's loopback only, no host socket calls at all).
 */
export const DOCKER_RUNTIMES = {
  runc: { online: 'runc', offline: 'runc' },
  runsc: { online: 'codebox-runsc', offline: 'codebox-runsc-offline' },
} as const satisfies Record<SandboxRuntime, { online: string; offline: string }>;

export function dockerRuntimeFor(runtime: SandboxRuntime, offline: boolean): string {
  const names = DOCKER_RUNTIMES[runtime];
  return offline ? names.offline : names.online;
}

/**
 * Remembers which runtimes dockerd has registered; asks again on a miss, since an operator may
 * register runsc (SIGHUP) while the runner runs.
 */
export class RuntimeRegistry {
  #known = new Set<string>();

  constructor(private readonly docker: Dockerode) {}

  /** Throws RuntimeNotRegisteredError unless dockerd knows every Docker runtime the level needs. */
  async assertAvailable(runtime: SandboxRuntime): Promise<void> {
    const needed = [...new Set(Object.values(DOCKER_RUNTIMES[runtime]))];
    if (needed.every((name) => this.#known.has(name))) return;
    const info = (await this.docker.info()) as { Runtimes?: Record<string, unknown> };
    const registered = Object.keys(info.Runtimes ?? {}).sort();
    this.#known = new Set(registered);
    const missing = needed.filter((name) => !this.#known.has(name));
    if (missing.length > 0) throw new RuntimeNotRegisteredError(runtime, missing, registered);
  }
}
