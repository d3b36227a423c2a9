import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxMemory } from './sandbox-memory.js';

/** Where the container's own memory cgroup is: Codebox runs sandboxes with a private cgroup namespace. */
const CGROUP_ROOT = '/sys/fs/cgroup';

/** Beyond this a v1 `memory.limit_in_bytes` means "no limit" (the kernel writes PAGE_COUNTER_MAX pages). */
const V1_UNLIMITED = 2 ** 60;

/**
 * The sandbox's memory cgroup, read from inside the container: its limit and how many processes
 * the kernel's OOM killer has killed in it. Works on cgroup v2 (`memory.max`, `memory.events`) and
 * v1 (`memory/memory.limit_in_bytes`, `memory/memory.oom_control`). Reads are a few small files,
 * cheap enough to do at every kernel death. Everything answers `undefined` when the files are
 * missing (an agent run outside a container, in tests), so callers degrade to "cause unknown".
 */
export class CgroupMemory implements SandboxMemory {
  constructor(private readonly root = CGROUP_ROOT) {}

  /** The memory limit in bytes, or undefined when there is none or it cannot be read. */
  limitBytes(): number | undefined {
    const v2 = this.read('memory.max');
    if (v2 !== undefined) return v2.trim() === 'max' ? undefined : finite(Number(v2));
    const v1 = this.read('memory/memory.limit_in_bytes');
    if (v1 === undefined) return undefined;
    const bytes = Number(v1);
    return bytes >= V1_UNLIMITED ? undefined : finite(bytes);
  }

  /** Processes the OOM killer has killed in this cgroup so far (`oom_kill`, kernel 4.13+). */
  oomKills(): number | undefined {
    const text = this.read('memory.events') ?? this.read('memory/memory.oom_control');
    const match = text === undefined ? null : /^oom_kill (\d+)$/m.exec(text);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  }

  /** In use now, less the page cache the kernel would reclaim first (`inactive_file`), as the OOM killer sees it. */
  usageBytes(): number | undefined {
    const current = this.read('memory.current') ?? this.read('memory/memory.usage_in_bytes');
    if (current === undefined) return undefined;
    const stat = this.read('memory.stat') ?? this.read('memory/memory.stat') ?? '';
    const inactiveFile = Number(/^(?:total_)?inactive_file (\d+)$/m.exec(stat)?.[1] ?? 0);
    return finite(Number(current) - inactiveFile);
  }

  /** The most memory the cgroup has used, when the kernel keeps it (v2 `memory.peak`, v1 `max_usage_in_bytes`). */
  peakBytes(): number | undefined {
    const text = this.read('memory.peak') ?? this.read('memory/memory.max_usage_in_bytes');
    return text === undefined ? undefined : finite(Number(text));
  }

  private read(file: string): string | undefined {
    try {
      return readFileSync(join(this.root, file), 'utf8');
    } catch {
      return undefined;
    }
  }
}

function finite(value: number): number | undefined {
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
