import type { ListedSandbox, SandboxDetail, SandboxState } from '@codebox/protocol';

export type { SandboxState };

/** A sandbox as `Sandbox.getInfo()` and `Sandbox.list()` describe it (the `e2b` shape). */
export interface SandboxInfo {
  sandboxId: string;
  /** Template ID. */
  templateId: string;
  /** Template name (alias), when the template has one. */
  name?: string;
  metadata: Record<string, string>;
  startedAt: Date;
  /** When the sandbox will be killed unless its timeout is extended. */
  endAt: Date;
  state: SandboxState;
  cpuCount: number;
  /** Memory size in MiB. */
  memoryMB: number;
  envdVersion: string;
  allowInternetAccess?: boolean;
  sandboxDomain?: string;
  /** Named volumes mounted at create. */
  volumeMounts: Array<{ name: string; path: string }>;
}

export function toSandboxInfo(body: ListedSandbox | SandboxDetail): SandboxInfo {
  const info: SandboxInfo = {
    sandboxId: body.sandboxID,
    templateId: body.templateID,
    metadata: body.metadata ?? {},
    startedAt: new Date(body.startedAt),
    endAt: new Date(body.endAt),
    state: body.state,
    cpuCount: body.cpuCount,
    memoryMB: body.memoryMB,
    envdVersion: body.envdVersion,
    volumeMounts: (body.volumeMounts ?? []).map(({ name, path }) => ({ name, path })),
  };
  if (body.alias) info.name = body.alias;
  if ('allowInternetAccess' in body && body.allowInternetAccess !== undefined) {
    info.allowInternetAccess = body.allowInternetAccess;
  }
  if ('domain' in body && body.domain) info.sandboxDomain = body.domain;
  return info;
}
