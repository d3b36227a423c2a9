import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ImageBackend, ImageBuildTarget, ImageFacts } from '../image-backend.js';
import type { RootfsTarget } from '../rootfs-target.js';

interface FakeImage {
  id: string;
  labels: Record<string, string>;
  repoTags: string[];
  createdAt: Date;
}

/**
 * Test support: an image store in memory that behaves as dockerd does where `templates/` relies
 * on it: a tag names one image at a time (tagging moves it), removing an image drops all its tags,
 * and removal is refused while a container uses the image (`markInUse`).
 */
export class FakeImageBackend implements ImageBackend {
  readonly images = new Map<string, FakeImage>();
  private readonly inUse = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds an image as another runner (or an older version) would have left it. */
  add(image: { labels: Record<string, string>; repoTags: string[]; createdAt: Date }): string {
    const id = `sha256:${randomBytes(32).toString('hex')}`;
    for (const ref of image.repoTags) this.dropTag(ref);
    this.images.set(id, { id, labels: { ...image.labels }, repoTags: [...image.repoTags], createdAt: image.createdAt });
    return id;
  }

  private store(id: string, labels: Record<string, string>, tags: readonly string[]): string {
    for (const ref of tags) this.dropTag(ref);
    const existing = this.images.get(id);
    if (existing) existing.repoTags.push(...tags);
    else this.images.set(id, { id, labels: { ...labels }, repoTags: [...tags], createdAt: new Date(this.now()) });
    return id;
  }

  markInUse(imageId: string): void {
    this.inUse.add(imageId);
  }

  has(imageId: string): boolean {
    return this.images.has(imageId);
  }

  async inspect(ref: string): Promise<ImageFacts | undefined> {
    const image = this.images.get(ref) ?? [...this.images.values()].find((i) => i.repoTags.includes(ref));
    return image && facts(image);
  }

  async listWithLabel(label: string): Promise<ImageFacts[]> {
    const [key = '', value] = label.split('=', 2);
    return [...this.images.values()].filter((i) => key in i.labels && (value === undefined || i.labels[key] === value)).map(facts);
  }

  async tag(imageId: string, repo: string, tag: string): Promise<void> {
    const image = this.images.get(imageId);
    if (!image) throw Object.assign(new Error(`no such image: ${imageId}`), { statusCode: 404 });
    const ref = `${repo}:${tag}`;
    this.dropTag(ref);
    image.repoTags.push(ref);
  }

  async untag(ref: string): Promise<void> {
    this.dropTag(ref);
  }

  /** As dockerd's build cache: the same context and labels give the same image, tagged anew. */
  async build(context: Readable, target: ImageBuildTarget): Promise<string> {
    return this.store(await digest(context, target.labels), target.labels, target.tags);
  }

  async importRootfs(tar: Readable, target: RootfsTarget): Promise<string> {
    return this.store(await digest(tar, target.labels), target.labels, [`${target.repo}:${target.tag}`]);
  }

  async removeIfUnused(imageId: string): Promise<boolean> {
    if (this.inUse.has(imageId)) return false;
    this.images.delete(imageId);
    return true;
  }

  private dropTag(ref: string): void {
    for (const image of this.images.values()) image.repoTags = image.repoTags.filter((t) => t !== ref);
  }
}

async function digest(stream: Readable, labels: Record<string, string>): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(labels));
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

function facts(image: FakeImage): ImageFacts {
  return { id: image.id, labels: { ...image.labels }, repoTags: [...image.repoTags], createdAt: image.createdAt };
}
