import { ENVD_VERSION, type ListedSandbox, type SandboxDetail, type SandboxResponse } from '@codebox/protocol';
import type { SandboxRecord } from '../sandboxes/sandbox-backend.js';
import { OPEN_EGRESS } from '../egress/egress-policy.js';
import { describeEgress } from '../egress/parse-network.js';

/** The E2B REST shapes of a sandbox. `clientID` names the runner that hosts it. */

export function toSandboxResponse(record: SandboxRecord, clientId: string, domain: string | null = null): SandboxResponse {
  return {
    templateID: record.templateId,
    sandboxID: record.sandboxId,
    clientID: clientId,
    envdVersion: ENVD_VERSION,
    ...(record.accessToken ? { envdAccessToken: record.accessToken } : {}),
    trafficAccessToken: record.trafficAccessToken ?? null,
    domain,
  };
}

export function toListedSandbox(record: SandboxRecord, clientId: string): ListedSandbox {
  return {
    templateID: record.templateId,
    sandboxID: record.sandboxId,
    clientID: clientId,
    startedAt: record.startedAt.toISOString(),
    endAt: record.expiresAt.toISOString(),
    // E2B reports whole CPUs; a fractional operator limit rounds up to what the sandbox may burst to.
    cpuCount: Math.ceil(record.limits.cpuCount),
    memoryMB: record.limits.memoryMiB,
    diskSizeMB: record.limits.diskMiB,
    metadata: record.metadata,
    state: 'running',
    envdVersion: ENVD_VERSION,
    runtime: record.runtime ?? 'runc',
    volumeMounts: (record.volumeMounts ?? []).map(({ name, path }) => ({ name, path })),
  };
}

export function toSandboxDetail(record: SandboxRecord, clientId: string, domain: string | null = null): SandboxDetail {
  return {
    ...toListedSandbox(record, clientId),
    ...(record.accessToken ? { envdAccessToken: record.accessToken } : {}),
    allowInternetAccess: record.allowInternetAccess,
    network: {
      ...describeEgress(record.network?.egress ?? OPEN_EGRESS),
      allowPublicTraffic: record.trafficAccessToken === undefined,
      ...(record.network?.maskRequestHost === undefined ? {} : { maskRequestHost: record.network.maskRequestHost }),
    },
    domain,
  };
}
