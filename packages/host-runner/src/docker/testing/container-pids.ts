import { readFile } from 'node:fs/promises';
import type Dockerode from 'dockerode';

/** The container's pids cgroup directory on the host (cgroup v1 `pids` controller, or the v2 unified tree). */
export async function pidsCgroupDir(container: Dockerode.Container): Promise<string> {
  const pid = (await container.inspect()).State.Pid;
  const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).trim().split('\n');
  const v1 = lines.map((l) => l.split(':')).find(([, controllers]) => controllers?.split(',').includes('pids'));
  if (v1?.[2] !== undefined) return `/sys/fs/cgroup/pids${v1[2]}`;
  const v2 = lines.map((l) => l.split(':')).find(([id, controllers]) => id === '0' && controllers === '');
  if (v2?.[2] !== undefined) return `/sys/fs/cgroup${v2[2]}`;
  throw new Error(`no pids cgroup for pid ${pid}: ${lines.join('; ')}`);
}

export interface PidsCounters {
  /** Tasks in the cgroup now. */
  readonly current: number;
  /** The limit, as the kernel reports it ("max" or a number). */
  readonly max: string;
  /** Forks the pids controller refused so far. */
  readonly refused: number;
}

export async function pidsCounters(container: Dockerode.Container): Promise<PidsCounters> {
  const dir = await pidsCgroupDir(container);
  const [current, max, events] = await Promise.all(['pids.current', 'pids.max', 'pids.events'].map((f) => readFile(`${dir}/${f}`, 'utf8')));
  return { current: Number(current), max: (max ?? '').trim(), refused: Number(/^max (\d+)$/m.exec(events ?? '')?.[1] ?? 'NaN') };
}

async function uidOf(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
  return uid === undefined ? undefined : Number(uid);
}

/**
 * SIGKILLs every process of host uid `uid` in the container, with the container frozen meanwhile
 * (docker pause), so a fork bomb cannot replace what is killed. Killing from inside would need a
 * free pid, which a fork bomb has taken. Returns how many processes were signalled.
 */
export async function killUidInContainer(container: Dockerode.Container, uid: number): Promise<number> {
  const procs = `${await pidsCgroupDir(container)}/cgroup.procs`;
  await container.pause();
  let killed = 0;
  try {
    const pids = (await readFile(procs, 'utf8')).split('\n').filter(Boolean).map(Number);
    for (const pid of pids) {
      if ((await uidOf(pid)) !== uid) continue;
      try {
        process.kill(pid, 'SIGKILL');
        killed += 1;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
  } finally {
    // Frozen tasks die with the pending SIGKILL as soon as they thaw, before they can fork again.
    await container.unpause();
  }
  return killed;
}
