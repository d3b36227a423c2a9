import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * A pin is a tag `codebox/<name>:pin-<owner>-<unixSeconds>` a runner puts on the template image it
 * uses. Image labels are fixed at build time, but tags can move and every runner on the dockerd
 * sees them, so a pin says, to all of them: this runner (owner) used this image at that time. A
 * runner puts it on when it builds or ensures an image and renews it while it keeps resolving it.
 */
export interface ImagePin {
  /** The whole tag, as `repoTags` lists it after the repository. */
  tag: string;
  owner: string;
  /** When the owner last said it uses the image, in ms (the tag keeps seconds). */
  usedAtMs: number;
}

const PIN_TAG = /^pin-(.+)-(\d{1,12})$/;

/**
 * Who a runner is on the dockerd: its runner name (unique per dockerd, it already separates the
 * runners' containers) and its data dir, so two checkouts both called `default` stay apart. The
 * hash keeps the tag short and free of `/`.
 */
export function pinOwner(runnerName: string, dataDir: string): string {
  return `${runnerName}-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 8)}`;
}

export function pinTag(owner: string, atMs: number): string {
  return `pin-${owner}-${Math.floor(atMs / 1000)}`;
}

/** The pins among an image's `repo:tag` references of one template repository. */
export function pinsOf(repoTags: readonly string[], repo: string): ImagePin[] {
  const pins: ImagePin[] = [];
  for (const ref of repoTags) {
    if (!ref.startsWith(`${repo}:`)) continue;
    const tag = ref.slice(repo.length + 1);
    const match = PIN_TAG.exec(tag);
    if (match?.[1] && match[2]) pins.push({ tag, owner: match[1], usedAtMs: Number(match[2]) * 1000 });
  }
  return pins;
}
