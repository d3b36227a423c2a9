import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One process as the OOM killer weighs it. */
export interface ProcessMemory {
  readonly pid: number;
  /** `Name:` of its status: the command, as `ps` shows it. */
  readonly name: string;
  /** Resident memory (`VmRSS`) in bytes. */
  readonly rssBytes: number;
  /** -1000 (never kill) … 1000 (kill first); user code runs at 1000 (`sandbox-exec`). */
  readonly oomScoreAdj: number;
}

/**
 * Every process the `/proc` at `procRoot` shows, with its resident memory and OOM preference.
 * Processes that end while being read, zombies and kernel threads (no `VmRSS`) are left out. It
 * reads two small files per process, so it is meant for the moment a victim is chosen, not for polling.
 */
export function listProcessMemory(procRoot = '/proc'): ProcessMemory[] {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const processes: ProcessMemory[] = [];
  for (const entry of names) {
    if (!/^\d+$/.test(entry)) continue;
    const status = readStatus(entry, procRoot);
    const rssBytes = status === undefined ? undefined : residentBytes(status);
    if (status === undefined || rssBytes === undefined) continue;
    let adj: number;
    try {
      adj = Number(readFileSync(join(procRoot, entry, 'oom_score_adj'), 'utf8').trim());
    } catch {
      continue;
    }
    processes.push({ pid: Number(entry), name: /^Name:\s*(.*)$/m.exec(status)?.[1] ?? '?', rssBytes, oomScoreAdj: Number.isFinite(adj) ? adj : 0 });
  }
  return processes;
}

/** A process's resident memory in bytes (`VmRSS`), or undefined once it is gone (or a zombie). */
export function rssOf(pid: number | undefined, procRoot = '/proc'): number | undefined {
  if (pid === undefined) return undefined;
  const status = readStatus(String(pid), procRoot);
  return status === undefined ? undefined : residentBytes(status);
}

/** Whether `pid` still holds memory: it exists and is not a zombie (whose memory is already freed). */
export function holdsMemory(pid: number, procRoot = '/proc'): boolean {
  return (rssOf(pid, procRoot) ?? 0) > 0;
}

function readStatus(pid: string, procRoot: string): string | undefined {
  try {
    return readFileSync(join(procRoot, pid, 'status'), 'utf8');
  } catch {
    return undefined;
  }
}

function residentBytes(status: string): number | undefined {
  // A zombie still has a status file; its memory is gone already.
  if (/^State:\s+[ZX]/m.test(status)) return undefined;
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

/** `pid` and every process above it up to init (`PPid` of each status), for exempting the agent's own line. */
export function selfAndAncestors(pid = process.pid, procRoot = '/proc'): Set<number> {
  const chain = new Set<number>();
  for (let current = pid; current > 0 && !chain.has(current); ) {
    chain.add(current);
    const parent = /^PPid:\s+(\d+)$/m.exec(readStatus(String(current), procRoot) ?? '')?.[1];
    current = parent === undefined ? 0 : Number(parent);
  }
  return chain;
}
