import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { pinOwner, pinsOf, pinTag } from './image-pins.js';
import { removeStaleTemplateImages } from './stale-images.js';
import { FakeImageBackend } from './testing/fake-image-backend.js';

const HOUR = 3_600_000;
const GRACE = 24 * HOUR;
const NOW = Date.parse('2026-12-06T12:00:00Z');
const repo = 'codebox/base';
const labels = { 'codebox.template': 'base' };
const me = pinOwner('default', '/var/lib/codebox');
const other = pinOwner('green', '/srv/codebox-green');

/** An image of `base` built `ageHours` ago, with pins `[owner, hours ago]`. */
function image(store: FakeImageBackend, hash: string, ageHours: number, pins: [owner: string, hoursAgo: number][] = []): string {
  return store.add({
    labels: { ...labels, 'codebox.content-hash': hash },
    repoTags: [`${repo}:${hash}`, ...pins.map(([owner, ago]) => `${repo}:${pinTag(owner, NOW - ago * HOUR)}`)],
    createdAt: new Date(NOW - ageHours * HOUR),
  });
}

async function sweep(store: FakeImageBackend, currentId: string) {
  const lines: { msg: string; why?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
  const decisions = await removeStaleTemplateImages({ images: store, template: 'base', currentId, owner: me, graceMs: GRACE, nowMs: NOW, logger });
  return { decisions, lines };
}

describe('removeStaleTemplateImages', () => {
  it("removes this runner's own earlier build at once, however young, and never the current image", async () => {
    const store = new FakeImageBackend();
    const earlier = image(store, 'old', 0.1, [[me, 0.1]]);
    const current = image(store, 'new', 0, [[me, 0]]);
    const { decisions, lines } = await sweep(store, current);
    expect(decisions.get(earlier)).toBe('removed');
    expect(store.has(earlier)).toBe(false);
    expect(store.has(current)).toBe(true);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'removed stale template image', why: 'an earlier build of this runner' }));
  });

  it("keeps another runner's build it used within the grace period, even when it was built long ago", async () => {
    const store = new FakeImageBackend();
    const theirs = image(store, 'theirs', 30 * 24, [[other, 23]]);
    const current = image(store, 'new', 0, [[me, 0]]);
    const { decisions, lines } = await sweep(store, current);
    expect(decisions.get(theirs)).toBe('kept-recently-used');
    expect(store.has(theirs)).toBe(true);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'template image of another runner kept: used within the grace period' }));
  });

  it("keeps an image this runner moved off while another runner still uses it (both were on one version)", async () => {
    const store = new FakeImageBackend();
    const shared = image(store, 'shared', 48, [[me, 1], [other, 2]]);
    const current = image(store, 'new', 0, [[me, 0]]);
    expect((await sweep(store, current)).decisions.get(shared)).toBe('kept-recently-used');
  });

  it('removes an unused build whose runners last used it before the grace period', async () => {
    const store = new FakeImageBackend();
    const abandoned = image(store, 'abandoned', 72, [[other, 25], [pinOwner('blue', '/srv/blue'), 48]]);
    const current = image(store, 'new', 0, [[me, 0]]);
    const { decisions, lines } = await sweep(store, current);
    expect(decisions.get(abandoned)).toBe('removed');
    expect(store.has(abandoned)).toBe(false);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'removed stale template image', why: 'no runner used it within the grace period' }));
  });

  it('keeps an old build a container still uses', async () => {
    const store = new FakeImageBackend();
    const busy = image(store, 'busy', 72, [[other, 48]]);
    store.markInUse(busy);
    const current = image(store, 'new', 0, [[me, 0]]);
    const { decisions, lines } = await sweep(store, current);
    expect(decisions.get(busy)).toBe('kept-in-use');
    expect(store.has(busy)).toBe(true);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'stale template image in use by a container; kept' }));
  });

  it("drops other runners' old pins from the images that stay, and keeps the recent ones", async () => {
    const store = new FakeImageBackend();
    const recent = pinOwner('ci-1', '/tmp/ci-1');
    const current = image(store, 'new', 48, [[me, 0], [other, 30], [recent, 1]]);
    await sweep(store, current);
    expect(pinsOf(store.images.get(current)?.repoTags ?? [], repo).map((pin) => pin.owner).sort()).toEqual([me, recent].sort());
  });

  it('treats an unpinned image (a runner before pins built it) by its build time', async () => {
    const store = new FakeImageBackend();
    const young = image(store, 'young', 2);
    const old = image(store, 'old', 25);
    const current = image(store, 'new', 0, [[me, 0]]);
    const { decisions } = await sweep(store, current);
    expect(decisions.get(young)).toBe('kept-young');
    expect(decisions.get(old)).toBe('removed');
    expect([store.has(young), store.has(old)]).toEqual([true, false]);
  });
});

describe('image pins', () => {
  it('name the runner and its data dir, and read back to the second', () => {
    expect(me).toMatch(/^default-[0-9a-f]{8}$/);
    expect(pinOwner('default', '/var/lib/codebox')).toBe(me);
    expect(pinOwner('default', '/home/dev/.local/share/codebox')).not.toBe(me);
    const tag = pinTag('blue-green.v2', NOW + 999);
    expect(`${repo}:${tag}`.length).toBeLessThanOrEqual(128 + repo.length + 1);
    expect(pinsOf([`${repo}:${tag}`, `${repo}:latest`, `${repo}:abc123`, `codebox/other:${tag}`], repo)).toEqual([{ tag, owner: 'blue-green.v2', usedAtMs: NOW }]);
  });
});
