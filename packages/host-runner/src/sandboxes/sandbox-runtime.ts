/**
 * The isolation level a sandbox runs at. `runc` shares the host kernel (namespaces, cgroups,
 * seccomp); `runsc` (gVisor) puts a second kernel, the sentry, between user code and the host, at
 * a price in start-up time and system-call speed (README, benchmarks).
 */
export const SANDBOX_RUNTIMES = ['runc', 'runsc'] as const;
export type SandboxRuntime = (typeof SANDBOX_RUNTIMES)[number];

export const DEFAULT_SANDBOX_RUNTIME: SandboxRuntime = 'runc';

export function isSandboxRuntime(value: unknown): value is SandboxRuntime {
  return typeof value === 'string' && (SANDBOX_RUNTIMES as readonly string[]).includes(value);
}
