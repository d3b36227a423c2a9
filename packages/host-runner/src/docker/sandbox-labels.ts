import type { SandboxRecord, SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { DEFAULT_SANDBOX_RUNTIME, isSandboxRuntime } from '../sandboxes/sandbox-runtime.js';

/** Docker labels are the sandbox's state (docs/internals.md, "Docker objects"). */
export const LABEL = {
  runner: 'codebox.runner',
  sandboxId: 'codebox.sandbox-id',
  tenant: 'codebox.tenant',
  template: 'codebox.template',
  startedAt: 'codebox.started-at',
  expiresAt: 'codebox.expires-at',
  metadata: 'codebox.metadata',
  allowInternet: 'codebox.allow-internet',
  accessToken: 'codebox.access-token',
  trafficAccessToken: 'codebox.traffic-access-token',
  cpu: 'codebox.cpu',
  memoryMiB: 'codebox.memory-mb',
  diskMiB: 'codebox.disk-mb',
  pids: 'codebox.pids',
  /** Isolation level (`runc` / `runsc`); containers from before this label ran runc. */
  runtime: 'codebox.runtime',
  /** The sandbox's own host uid (= gid); see sandbox-uids.ts. */
  uid: 'codebox.uid',
  /** `true` when the sandbox runs in its own user namespace with root allowed (codebox.uid is then its block's first uid). */
  rootAccess: 'codebox.root-access',
  /** JSON `[{name, path}]` of the named volumes mounted at create; absent when none. */
  volumeMounts: 'codebox.volume-mounts',
  /**
   * `true` on a warm-pool container: its tenant, metadata, tokens and start labels are empty
   * placeholders, and `owner.json` in its sandbox dir says whose it is once handed over.
   */
  pooled: 'codebox.pooled',
} as const;

/** What the labels of one container say, before runtime facts (status, socket) are added. */
export type LabelledSandbox = Omit<SandboxRecord, 'status' | 'agentSocketPath'>;

export function sandboxLabels(spec: SandboxSpec, runnerName: string): Record<string, string> {
  return {
    [LABEL.runner]: runnerName,
    [LABEL.sandboxId]: spec.sandboxId,
    [LABEL.tenant]: spec.tenant,
    [LABEL.template]: spec.templateId,
    [LABEL.startedAt]: String(spec.startedAt.getTime()),
    [LABEL.expiresAt]: String(spec.expiresAt.getTime()),
    [LABEL.metadata]: JSON.stringify(spec.metadata),
    [LABEL.allowInternet]: String(spec.allowInternetAccess),
    [LABEL.accessToken]: spec.accessToken ?? '',
    [LABEL.trafficAccessToken]: spec.trafficAccessToken ?? '',
    [LABEL.cpu]: String(spec.limits.cpuCount),
    [LABEL.memoryMiB]: String(spec.limits.memoryMiB),
    [LABEL.diskMiB]: String(spec.limits.diskMiB),
    [LABEL.pids]: String(spec.limits.pids),
    [LABEL.runtime]: spec.runtime ?? DEFAULT_SANDBOX_RUNTIME,
    ...(spec.pooled ? { [LABEL.pooled]: 'true' } : {}),
    ...(spec.volumeMounts?.length ? { [LABEL.volumeMounts]: JSON.stringify(spec.volumeMounts.map(({ name, path }) => ({ name, path }))) } : {}),
  };
}

/**
 * Reads a container's labels back. Returns undefined for containers whose labels are not a
 * complete sandbox (e.g. made by hand or by an older runner) so callers can skip them.
 */
export function parseSandboxLabels(labels: Record<string, string>): LabelledSandbox | undefined {
  const sandboxId = labels[LABEL.sandboxId];
  const tenant = labels[LABEL.tenant];
  const templateId = labels[LABEL.template];
  const startedAt = toDate(labels[LABEL.startedAt]);
  const expiresAt = toDate(labels[LABEL.expiresAt]);
  const metadata = parseMetadata(labels[LABEL.metadata]);
  const cpuCount = toNumber(labels[LABEL.cpu]);
  const memoryMiB = toNumber(labels[LABEL.memoryMiB]);
  const diskMiB = toNumber(labels[LABEL.diskMiB]);
  const pids = toNumber(labels[LABEL.pids]);
  const runtime = labels[LABEL.runtime] ?? DEFAULT_SANDBOX_RUNTIME;
  if (
    !isSandboxRuntime(runtime) ||
    !sandboxId || tenant === undefined || templateId === undefined || !startedAt || !expiresAt || !metadata ||
    cpuCount === undefined || memoryMiB === undefined || diskMiB === undefined || pids === undefined
  ) {
    return undefined;
  }
  const accessToken = labels[LABEL.accessToken];
  const trafficAccessToken = labels[LABEL.trafficAccessToken];
  const volumeMounts = parseVolumeMountsLabel(labels[LABEL.volumeMounts]);
  return {
    sandboxId,
    tenant,
    templateId,
    metadata,
    allowInternetAccess: labels[LABEL.allowInternet] === 'true',
    ...(accessToken ? { accessToken } : {}),
    ...(trafficAccessToken ? { trafficAccessToken } : {}),
    startedAt,
    expiresAt,
    limits: { cpuCount, memoryMiB, diskMiB, pids },
    runtime,
    ...(volumeMounts.length > 0 ? { volumeMounts } : {}),
  };
}

function parseVolumeMountsLabel(value: string | undefined): Array<{ name: string; path: string }> {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((entry: unknown) => {
      const { name, path } = (entry ?? {}) as { name?: unknown; path?: unknown };
      return typeof name === 'string' && typeof path === 'string' ? [{ name, path }] : [];
    });
  } catch {
    return [];
  }
}

function toNumber(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function toDate(value: string | undefined): Date | undefined {
  const ms = toNumber(value);
  return ms === undefined ? undefined : new Date(ms);
}

function parseMetadata(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return undefined;
  }
}
