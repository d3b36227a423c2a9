import { randomInt } from 'node:crypto';
import { mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SandboxUidsExhaustedError } from './errors.js';

/** Host uids handed to sandboxes, one each; the gid is the same number. */
export interface SandboxUidRange {
  readonly first: number;
  readonly count: number;
}

/**
 * Default: one billion up, above the ranges `useradd` hands out in /etc/subuid (100000 to
 * 600100000 by default) and below 2^31, where some tools start to misread uids.
 */
export const DEFAULT_SANDBOX_UIDS: SandboxUidRange = { first: 1_000_000_000, count: 1_000_000 };

/**
 * Root-enabled sandboxes take blocks of 65,536 uids (their user namespace's 0..65535): `count`
 * blocks from 2^30 up, 16,384 of them, ending at 2^31 - 1, clear of DEFAULT_SANDBOX_UIDS.
 */
export const DEFAULT_SANDBOX_UID_BLOCKS: SandboxUidRange = { first: 1_073_741_824, count: 16_384 };

/** Random draws before a full walk; with a range far larger than the sandboxes, a free uid comes first try. */
const ATTEMPTS = 16;
/** A claim younger than this may belong to a sandbox still being created (its container not there yet). */
const CLAIM_GRACE_MS = 10 * 60_000;

/**
 * Gives each sandbox a host uid no other live sandbox holds, on this host, across runners
 * (every Codebox runner shares the kernel's per-uid limits, whatever its name or data dir).
 *
 * A claim is a file `<claimsDir>/<uid>` created with O_EXCL holding the sandbox id, so two
 * runners can never take the same uid. It lives until the sandbox's container is removed,
 * i.e. until no process of that uid can exist any more; the files a sandbox's uid owned are in
 * its own home image and tmpfs, which go with it. A claim left by a runner that crashed is
 * recognised by its container being gone and taken over. Uids are drawn at random from a wide
 * range, so a freed uid is rarely handed out again soon.
 */
export class SandboxUidAllocator {
  constructor(
    private readonly claimsDir: string,
    private readonly range: SandboxUidRange,
    /** Whether the sandbox's container exists (on any runner of this dockerd). */
    private readonly containerExists: (sandboxId: string) => Promise<boolean>,
    private readonly logger: Logger,
    /** Uids per claim: 1, or 65,536 for root-enabled sandboxes; claims are named by the block's first uid. */
    private readonly blockSize = 1,
  ) {}

  /** Whether `uid` is a claim this allocator hands out (to free it with the right allocator). */
  holds(uid: number): boolean {
    const offset = uid - this.range.first;
    return offset >= 0 && offset < this.range.count * this.blockSize && offset % this.blockSize === 0;
  }

  async claim(sandboxId: string): Promise<number> {
    await mkdir(this.claimsDir, { recursive: true, mode: 0o700 });
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const uid = this.range.first + randomInt(0, this.range.count) * this.blockSize;
      if (await this.tryClaim(uid, sandboxId)) return uid;
      if (await this.takeOverIfStale(uid) && (await this.tryClaim(uid, sandboxId))) return uid;
    }
    // Random draws keep missing only when the range is nearly full: walk it once from a random
    // point, skipping what the claims dir already lists.
    const claimed = new Set(await readdir(this.claimsDir));
    const start = randomInt(0, this.range.count);
    for (let i = 0; i < this.range.count; i++) {
      const uid = this.range.first + ((start + i) % this.range.count) * this.blockSize;
      if (!claimed.has(String(uid)) && (await this.tryClaim(uid, sandboxId))) return uid;
    }
    throw new SandboxUidsExhaustedError(this.range.first, this.range.count);
  }

  /** Frees the uid of a sandbox whose container is gone. Only its own claim is removed. */
  async release(uid: number, sandboxId: string): Promise<void> {
    const path = this.claimPath(uid);
    const holder = await readFile(path, 'utf8').catch(() => undefined);
    if (holder?.trim() === sandboxId) await unlink(path).catch(() => undefined);
  }

  /**
   * Frees whatever uid a sandbox holds when its uid file is missing: a runner killed between
   * claiming and writing the file left the claim as the only record. The claims dir holds one
   * small file per live sandbox on the host, so a scan is cheap, and it only happens for leftovers.
   */
  async releaseHeldBy(sandboxId: string): Promise<void> {
    const names = await readdir(this.claimsDir).catch(() => [] as string[]);
    for (const name of names) {
      const uid = Number(name);
      if (!Number.isSafeInteger(uid)) continue;
      const holder = await readFile(this.claimPath(uid), 'utf8').catch(() => undefined);
      if (holder?.trim() === sandboxId) {
        this.logger.info({ uid, sandboxId }, 'freed the uid claim of a sandbox whose create was cut short');
        await unlink(this.claimPath(uid)).catch(() => undefined);
      }
    }
  }

  private claimPath(uid: number): string {
    return join(this.claimsDir, String(uid));
  }

  private async tryClaim(uid: number, sandboxId: string): Promise<boolean> {
    let file;
    try {
      file = await open(this.claimPath(uid), 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      await file.writeFile(`${sandboxId}\n`);
    } finally {
      await file.close();
    }
    return true;
  }

  private async takeOverIfStale(uid: number): Promise<boolean> {
    const path = this.claimPath(uid);
    const [holder, info] = await Promise.all([readFile(path, 'utf8').catch(() => undefined), stat(path).catch(() => undefined)]);
    if (holder === undefined || !info) return true; // released meanwhile
    if (Date.now() - info.mtimeMs < CLAIM_GRACE_MS) return false;
    const sandboxId = holder.trim();
    if (sandboxId && (await this.containerExists(sandboxId))) return false;
    this.logger.warn({ uid, sandboxId }, 'sandbox uid claim outlived its sandbox (runner crash?); reusing the uid');
    await unlink(path).catch(() => undefined);
    return true;
  }
}
