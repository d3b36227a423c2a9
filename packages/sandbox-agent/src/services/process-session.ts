import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The process groups of every process in session `sid`, read from `/proc/<pid>/stat`. An
 * interactive shell in a terminal gives each job a group of its own, so signalling the shell's
 * group alone would leave its jobs running; its session holds them all (until one calls setsid).
 */
export function processGroupsOfSession(sid: number, procRoot = '/proc'): number[] {
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return [];
  }
  const groups = new Set<number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const ids = sessionIdsOf(entry, procRoot);
    if (ids?.session === sid) groups.add(ids.group);
  }
  return [...groups];
}

/** `pgrp` and `session` of a stat line; the command name may hold spaces and parentheses. */
export function parseStatIds(stat: string): { readonly group: number; readonly session: number } | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state, ppid, pgrp, session.
  const group = Number(fields[2]);
  const session = Number(fields[3]);
  return Number.isInteger(group) && Number.isInteger(session) && group > 0 ? { group, session } : undefined;
}

function sessionIdsOf(pid: string, procRoot: string): ReturnType<typeof parseStatIds> {
  try {
    return parseStatIds(readFileSync(join(procRoot, pid, 'stat'), 'utf8'));
  } catch {
    // Gone while the directory was read.
    return undefined;
  }
}
