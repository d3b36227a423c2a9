import type { Logger } from 'pino';
import type { ImageBackend } from './image-backend.js';
import { pinsOf, type ImagePin } from './image-pins.js';
import { TEMPLATE_LABEL, templateRepo } from './template-names.js';

export interface StaleImageSweep {
  images: ImageBackend;
  template: string;
  /** The image this runner uses now; never touched. */
  currentId: string;
  /** This runner's pin owner (`pinOwner`). */
  owner: string;
  /** How long another runner's use (its newest pin, or an unpinned image's build) protects an image. */
  graceMs: number;
  nowMs: number;
  logger: Logger;
}

export type StaleImageDecision =
  | 'removed'
  /** A container (sandbox, pooled, or a child image) still uses it: the daemon refused. */
  | 'kept-in-use'
  /** Another runner pinned it within the grace period. */
  | 'kept-recently-used'
  /** No runner pinned it (built by a runner before pins) and it was built within the grace period. */
  | 'kept-young';

/**
 * Removes the other images of a template that no live runner depends on. Each runner on a dockerd
 * pins the image it uses (`image-pins.ts`), so an image is stale when
 * - it carries no pin of another runner newer than the grace period (this runner's earlier builds
 *   carry only its own pin; a pin of a runner that stopped, or has not resolved the template for a
 *   grace period, is old), and
 * - when nobody pinned it at all (a runner of a version before pins built it), it is older than the
 *   grace period, and
 * - no container uses it (the daemon refuses the removal otherwise).
 * Whatever is kept goes at a later sweep (each build and each start) once that no longer holds,
 * so nothing stays forever after its last user has gone.
 */
export async function removeStaleTemplateImages(sweep: StaleImageSweep): Promise<Map<string, StaleImageDecision>> {
  const { images, template, currentId, owner, graceMs, nowMs } = sweep;
  const repo = templateRepo(template);
  const log = sweep.logger.child({ template });
  const decisions = new Map<string, StaleImageDecision>();
  for (const image of await images.listWithLabel(`${TEMPLATE_LABEL.template}=${template}`)) {
    const pins = pinsOf(image.repoTags, repo);
    if (image.id === currentId) {
      await dropOldPins(sweep, repo, pins);
      continue;
    }
    const recent = pins.filter((pin) => pin.owner !== owner && nowMs - pin.usedAtMs < graceMs);
    const facts = { imageId: image.id, tags: image.repoTags, graceHours: graceMs / 3_600_000 };
    if (recent.length > 0) {
      decisions.set(image.id, 'kept-recently-used');
      log.info({ ...facts, runners: recent.map((pin) => ({ runner: pin.owner, usedAt: new Date(pin.usedAtMs).toISOString() })) }, 'template image of another runner kept: used within the grace period');
      continue;
    }
    if (pins.length === 0 && nowMs - image.createdAt.getTime() < graceMs) {
      decisions.set(image.id, 'kept-young');
      log.info({ ...facts, createdAt: image.createdAt.toISOString() }, 'unpinned template image kept: built within the grace period');
      continue;
    }
    const removed = await images.removeIfUnused(image.id);
    decisions.set(image.id, removed ? 'removed' : 'kept-in-use');
    if (!removed) await dropOldPins(sweep, repo, pins);
    const why = pins.some((pin) => pin.owner === owner) ? 'an earlier build of this runner' : pins.length > 0 ? 'no runner used it within the grace period' : 'unpinned and older than the grace period';
    log.info({ ...facts, why }, removed ? 'removed stale template image' : 'stale template image in use by a container; kept');
  }
  return decisions;
}

/**
 * Other runners' pins older than the grace period protect nothing any more; dropped from an image
 * that stays, so runners that came and went (a data dir per CI run) leave no tags behind. A runner
 * that still uses the image pins it again at its next resolve.
 */
async function dropOldPins(sweep: StaleImageSweep, repo: string, pins: readonly ImagePin[]): Promise<void> {
  for (const pin of pins) {
    if (pin.owner === sweep.owner || sweep.nowMs - pin.usedAtMs < sweep.graceMs) continue;
    await sweep.images.untag(`${repo}:${pin.tag}`).catch((err: unknown) => sweep.logger.warn({ err, template: sweep.template, tag: pin.tag }, 'old pin of another runner not removed; tried again at the next sweep'));
  }
}
