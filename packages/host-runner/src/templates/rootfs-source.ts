import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Where the default template's Debian tree comes from. */
export const ROOTFS_SOURCES = ['debootstrap', 'registry'] as const;
export type RootfsSource = (typeof ROOTFS_SOURCES)[number];

/** What an operator sets (`CODEBOX_ROOTFS_SOURCE`); `auto` picks per host. */
export const ROOTFS_SOURCE_SETTINGS = ['auto', ...ROOTFS_SOURCES] as const;
export type RootfsSourceSetting = (typeof ROOTFS_SOURCE_SETTINGS)[number];

/** The facts about the host that decide whether debootstrap can run. */
export interface RootfsHostFacts {
  uid: number | undefined;
  /** Absolute path of debootstrap on PATH, or undefined when it is not installed. */
  debootstrap: string | undefined;
}

export interface RootfsSourceChoice {
  source: RootfsSource;
  /** Why this source, for logs and for error messages when it fails. */
  reason: string;
  /** Set when the chosen source cannot work on this host, so the build fails before starting. */
  unusable?: string;
}

/**
 * `auto` prefers debootstrap: it needs no registry and verifies packages with apt's keys on the
 * host. It needs root and the debootstrap program; without either, the registry path is the
 * only one that can work.
 */
export function chooseRootfsSource(setting: RootfsSourceSetting, host: RootfsHostFacts): RootfsSourceChoice {
  const missing = debootstrapMissing(host);
  if (setting === 'registry') return { source: 'registry', reason: 'CODEBOX_ROOTFS_SOURCE is registry' };
  if (setting === 'debootstrap') {
    return { source: 'debootstrap', reason: 'CODEBOX_ROOTFS_SOURCE is debootstrap', ...(missing ? { unusable: missing } : {}) };
  }
  if (missing) return { source: 'registry', reason: `CODEBOX_ROOTFS_SOURCE is auto and ${missing}` };
  return { source: 'debootstrap', reason: `CODEBOX_ROOTFS_SOURCE is auto, the runner is root and debootstrap is at ${host.debootstrap}` };
}

function debootstrapMissing(host: RootfsHostFacts): string | undefined {
  if (host.debootstrap === undefined) return 'debootstrap is not installed (not found on PATH)';
  if (host.uid !== 0) return `the runner is not root (uid ${host.uid ?? 'unknown'}), which debootstrap needs`;
  return undefined;
}

export async function probeRootfsHost(env: NodeJS.ProcessEnv = process.env): Promise<RootfsHostFacts> {
  return { uid: process.getuid?.(), debootstrap: await findOnPath('debootstrap', env.PATH ?? '') };
}

/** The same lookup spawn() does, so "found" means the build can start it. */
async function findOnPath(program: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, program);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory; try the next.
    }
  }
  return undefined;
}
