import type { processPb } from '@codebox/protocol';

/** A process running in the sandbox, as `commands.list()` reports it. */
export interface ProcessInfo {
  pid: number;
  /** Tag naming special processes (such as a template's start command). */
  tag?: string;
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd?: string;
}

export function toProcessInfo(p: processPb.ProcessInfo): ProcessInfo {
  const info: ProcessInfo = {
    pid: p.pid,
    cmd: p.config?.cmd ?? '',
    args: p.config?.args ?? [],
    envs: p.config?.envs ?? {},
  };
  if (p.tag) info.tag = p.tag;
  if (p.config?.cwd) info.cwd = p.config.cwd;
  return info;
}
