/** What a container costs, read from the host side (its cgroup through Docker), so it means the same under runc and runsc. */
import type Docker from 'dockerode';

export interface ContainerUsage {
  /** The cgroup's memory less reclaimable page cache, MiB: what counts against the container's limit and stays. */
  readonly mib: number;
  /** Tasks in the cgroup. */
  readonly pids: number;
}

/** The container cgroup's memory less inactive file pages (cgroup v1 and v2), and its task count. */
export async function containerUsage(container: Docker.Container): Promise<ContainerUsage> {
  const stats = await container.stats({ stream: false });
  const extra = stats.memory_stats.stats as Record<string, number> | undefined;
  const cache = extra?.total_inactive_file ?? extra?.inactive_file ?? extra?.cache ?? 0;
  return { mib: ((stats.memory_stats.usage ?? 0) - cache) / 2 ** 20, pids: stats.pids_stats?.current ?? Number.NaN };
}
