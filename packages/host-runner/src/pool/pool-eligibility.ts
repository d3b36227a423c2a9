import type { SandboxLimits } from '../sandboxes/sandbox-backend.js';
import type { SandboxRuntime } from '../sandboxes/sandbox-runtime.js';

/** What of a create request decides whether a pooled container can be it. */
export interface PoolRequest {
  readonly allowInternetAccess: boolean;
  readonly volumeMountCount: number;
}

/** What a sandbox is started with, wanted (from the template and the runner's settings now) or pooled. */
export interface PoolShape {
  readonly image: string;
  readonly runtime: SandboxRuntime;
  readonly limits: SandboxLimits;
}

export type PoolDecision = { readonly warm: true } | { readonly warm: false; readonly reason: string };

/**
 * Whether a pooled container can become this create's sandbox exactly as a cold create would have
 * made it. Everything a hand-over can apply later is no reason for a cold start (tenant, metadata,
 * env vars, timeout, access and traffic tokens, egress rules, Host masking); what is fixed when a
 * container starts is:
 * - `allowInternetAccess: false`: a sandbox without a network device (pooled ones are on the bridge);
 * - volume mounts: bound when the container is created;
 * - another image (the template was rebuilt since the container started), runtime or limits (the
 *   runner's settings changed since; a restarted runner does not adopt such containers either).
 */
export function poolDecision(request: PoolRequest, wanted: PoolShape, pooled: PoolShape): PoolDecision {
  if (!request.allowInternetAccess) return { warm: false, reason: 'allowInternetAccess is false (no network device)' };
  if (request.volumeMountCount > 0) return { warm: false, reason: 'volume mounts are bound at container start' };
  if (pooled.image !== wanted.image) return { warm: false, reason: 'the template was rebuilt after the pooled container started' };
  if (pooled.runtime !== wanted.runtime) return { warm: false, reason: `runtime ${wanted.runtime} wanted, pooled ${pooled.runtime}` };
  if (!sameLimits(pooled.limits, wanted.limits)) return { warm: false, reason: 'resource limits differ from the pooled container\'s' };
  return { warm: true };
}

function sameLimits(a: SandboxLimits, b: SandboxLimits): boolean {
  return a.cpuCount === b.cpuCount && a.memoryMiB === b.memoryMiB && a.diskMiB === b.diskMiB && a.pids === b.pids;
}
