import type { Logger } from 'pino';
import type { PoolBackend, PooledSandbox, SandboxRecord, SandboxSpec } from '../sandboxes/sandbox-backend.js';
import type { TemplateCatalog, TemplateImage } from '../templates/template-catalog.js';
import { poolDecision, type PoolRequest, type PoolShape } from './pool-eligibility.js';
import type { PoolSizes } from './pool-sizes.js';

export interface WarmPoolOptions {
  readonly backend: PoolBackend;
  /** Removes a pooled container and its files (the backend's `destroy`). */
  readonly destroy: (sandboxId: string) => Promise<void>;
  readonly sizes: PoolSizes;
  readonly templates: TemplateCatalog;
  /** What a container of this template is started with now (the runner's limits and runtime), as a cold create's. */
  readonly shapeOf: (template: TemplateImage) => PoolShape;
  /** The spec of a new pooled container (a fresh id, no owner). */
  readonly specFor: (template: TemplateImage, shape: PoolShape) => SandboxSpec;
  /** Whether one more container fits the runner's budget beside the sandboxes, the creates in flight and the pool itself. */
  readonly hasRoom: () => boolean;
  readonly logger: Logger;
  /** After a failed fill, how long until the pool tries again. Default 30 s. */
  readonly retryMs?: number;
  /** How often the ready containers are checked (container running, agent answering); 0 never. Default 30 s. */
  readonly checkMs?: number;
  /** Longest a refill waits for a burst of hand-overs to drain before it starts anyway. Default 1 s. */
  readonly refillDeferMs?: number;
}

/**
 * Pooled containers one create tries before it goes cold: the next one after a failed hand-over
 * (that container was dead), not more (a failure every container would have, such as a full
 * data dir, only delays the create; the cold create reports it).
 */
const HAND_OVER_ATTEMPTS = 2;

/**
 * Containers started ahead per template (`pool` in the runner config), handed to creates that a
 * pooled container can serve exactly (pool-eligibility.ts). Filling runs in the background, one
 * container at a time, and only while the runner's budget has room: pooled containers count
 * against `quotas.maxSandboxes` as sandboxes do, and a cold create that needs the room evicts one.
 * The pool is a cache of what the backend reports (`listPooled`): a runner that died without
 * stopping leaves its pooled containers, and the next start adopts those that still match its
 * settings and removes the rest; a runner that stops removes them itself. Ready containers are
 * checked every `checkMs` (container running, agent answering) and at hand-over (the backend's
 * hand-over fails on a dead one): a dead one is removed and replaced, and the create it would have
 * served takes the next one or goes cold. Refilling waits while hand-overs are in flight: a burst
 * of creates is served from the pool first, and a container start (dockerd, the runtime, a new
 * agent) competes with none of it.
 */
export class WarmPool {
  readonly #options: WarmPoolOptions;
  readonly #logger: Logger;
  /** Ready containers per template, oldest first. */
  readonly #idle = new Map<string, PooledSandbox[]>();
  /** Fills in flight per template. */
  readonly #filling = new Map<string, number>();
  /** Containers being removed: they hold their room until gone. */
  #removing = 0;
  #refill: Promise<void> | undefined;
  #again = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #checkTimer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  /** Hand-overs in flight, and since when some have been: refilling waits until they are done (or `refillDeferMs` has passed). */
  #handingOver = 0;
  #handingOverSince = 0;
  #deferTimer: NodeJS.Timeout | undefined;
  /** Templates whose pool is configured but whose template is missing: warned once, until it is back. */
  readonly #missing = new Set<string>();
  #stopped = false;

  constructor(options: WarmPoolOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'warm-pool' });
  }

  /** Containers the pool holds now (ready, starting, being removed): they count against the runner's budget. */
  get count(): number {
    let total = this.#removing;
    for (const list of this.#idle.values()) total += list.length;
    for (const n of this.#filling.values()) total += n;
    return total;
  }

  /** Ready containers per template (for logs and tests). */
  ready(): Record<string, number> {
    return Object.fromEntries([...this.#idle].map(([name, list]) => [name, list.length]));
  }

  /**
   * Adopts the pooled containers a previous runner left that still fit (running, a pool of that
   * size, the template's current image and the runner's current limits and runtime); removes the
   * rest; then starts filling.
   */
  async start(): Promise<void> {
    const found = await this.#options.backend.listPooled();
    const removals: Promise<void>[] = [];
    for (const pooled of found) {
      const reason = await this.#unfitReason(pooled);
      if (reason) {
        this.#logger.info({ sandboxId: pooled.sandboxId, template: pooled.templateId, reason }, 'pooled container not adopted; removing it');
        removals.push(this.#remove(pooled));
        continue;
      }
      this.#idleOf(pooled.templateId).push(pooled);
    }
    await Promise.allSettled(removals);
    this.#logger.info({ adopted: this.ready(), removed: removals.length }, 'warm pool adopted');
    const checkMs = this.#options.checkMs ?? 30_000;
    if (checkMs > 0) {
      this.#checkTimer = setInterval(() => void this.check(), checkMs);
      this.#checkTimer.unref();
    }
    this.refill();
  }

  /**
   * Stops filling (waits for a fill in flight) and removes the ready containers: a stopped runner
   * leaves nothing running that nobody owns (its sandboxes are owned and keep running). Only a
   * runner that died without stopping leaves pooled containers, which the next start adopts.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#deferTimer);
    clearInterval(this.#checkTimer);
    await Promise.all([this.#refill, this.#checking]);
    const ready = [...this.#idle.values()].flat();
    this.#idle.clear();
    await Promise.allSettled(ready.map((pooled) => this.#remove(pooled)));
    if (ready.length > 0) this.#logger.info({ removed: ready.length }, 'warm pool emptied at stop');
  }

  /**
   * Serves a create from the pool: takes a ready container that can become its sandbox exactly and
   * hands it over (`handOver`, the backend's with this create's owner). A failed hand-over (the
   * backend removed that container) tries the next ready one, once; undefined when the pool cannot
   * serve it (none ready, none fits, or both tries failed): the create goes cold, never fails here.
   */
  async serve(
    templateId: string,
    request: PoolRequest,
    wanted: PoolShape,
    handOver: (pooled: PooledSandbox) => Promise<SandboxRecord>,
  ): Promise<SandboxRecord | undefined> {
    if (this.#handingOver === 0) this.#handingOverSince = Date.now();
    this.#handingOver += 1;
    try {
      for (let attempt = 1; attempt <= HAND_OVER_ATTEMPTS; attempt++) {
        const pooled = this.#take(templateId, request, wanted);
        if (!pooled) return undefined;
        // Deferred while hand-overs are in flight (at most refillDeferMs): asked for now, so a stream of them cannot starve it.
        this.refill();
        try {
          return await handOver(pooled);
        } catch (error) {
          const next = attempt < HAND_OVER_ATTEMPTS ? 'trying the next ready one' : 'creating cold';
          this.#logger.warn({ err: error, sandboxId: pooled.sandboxId, template: templateId }, `hand-over of a pooled container failed; ${next}`);
        }
      }
      return undefined;
    } finally {
      this.#handingOver -= 1;
      // Never on the create's path: the fill starts once this burst of hand-overs is done.
      if (this.#handingOver === 0) setImmediate(() => this.refill());
    }
  }

  /**
   * A ready container that can become this create's sandbox exactly, out of the pool, or undefined.
   * Containers of an older image, runtime or limits can serve no one any more and are removed.
   */
  #take(templateId: string, request: PoolRequest, wanted: PoolShape): PooledSandbox | undefined {
    const list = this.#idle.get(templateId);
    if (!list?.length) return undefined;
    let taken: PooledSandbox | undefined;
    for (const pooled of [...list]) {
      const decision = poolDecision(request, wanted, pooled);
      if (decision.warm) {
        taken = pooled;
        break;
      }
      // The request's own choice (no network, volumes): the container still serves others.
      if (pooled.image === wanted.image && poolDecision({ allowInternetAccess: true, volumeMountCount: 0 }, wanted, pooled).warm) {
        this.#logger.debug({ template: templateId, reason: decision.reason }, 'create goes cold');
        break;
      }
      this.#logger.info({ sandboxId: pooled.sandboxId, template: templateId, reason: decision.reason }, 'pooled container out of date; removing it');
      list.splice(list.indexOf(pooled), 1);
      void this.#remove(pooled);
    }
    if (taken) list.splice(list.indexOf(taken), 1);
    return taken;
  }

  /**
   * Checks every ready container (the `checkMs` timer): one whose container stopped or whose agent
   * does not answer is removed, and the pool refills. Hand-overs check again on their own.
   */
  async check(): Promise<void> {
    if (this.#stopped || this.#checking) return this.#checking;
    // Not beside a burst of hand-overs (they check their containers themselves): the next tick.
    if (this.#handingOver > 0) return undefined;
    this.#checking = this.#checkReady().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #checkReady(): Promise<void> {
    const ready = [...this.#idle.values()].flat();
    if (ready.length === 0) return;
    let listed: Map<string, PooledSandbox>;
    try {
      listed = new Map((await this.#options.backend.listPooled()).map((p) => [p.sandboxId, p]));
    } catch (error) {
      this.#logger.warn({ err: error }, 'checking the warm pool failed (listing its containers); trying again later');
      return;
    }
    const verdicts = await Promise.all(
      ready.map(async (pooled): Promise<[PooledSandbox, string | undefined]> => {
        const status = listed.get(pooled.sandboxId)?.status;
        if (status !== 'running') return [pooled, status ? `its container is ${status}` : 'its container is gone'];
        return [pooled, (await this.#options.backend.agentAnswers(pooled.sandboxId)) ? undefined : 'its agent does not answer /health'];
      }),
    );
    let dropped = 0;
    for (const [pooled, reason] of verdicts) {
      const list = this.#idle.get(pooled.templateId);
      // Taken by a create meanwhile: its hand-over checks for itself.
      if (!reason || !list?.includes(pooled)) continue;
      list.splice(list.indexOf(pooled), 1);
      this.#logger.warn({ sandboxId: pooled.sandboxId, template: pooled.templateId, reason }, 'pooled container unusable; removing and replacing it');
      void this.#remove(pooled);
      dropped += 1;
    }
    if (dropped > 0) this.refill();
  }

  /**
   * Frees one container's room for a cold create: removes a ready container (of the template with
   * the most), or waits for a fill in flight and removes what it made. False when the pool holds none.
   */
  async evictOne(): Promise<boolean> {
    const [templateId, list] = [...this.#idle].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    const victim = list?.shift();
    if (victim && templateId) {
      this.#logger.info({ sandboxId: victim.sandboxId, template: templateId }, 'pooled container evicted for a cold create');
      await this.#remove(victim);
      return true;
    }
    if ([...this.#filling.values()].some((n) => n > 0)) {
      await this.#refill;
      return this.evictOne();
    }
    return false;
  }

  /**
   * Fills every template's pool up to its size while the budget has room (in the background; one
   * fill at a time), once no hand-over is in flight, or `refillDeferMs` after it was asked for.
   */
  refill(): void {
    if (this.#stopped) return;
    const deferMs = this.#deferMs();
    if (deferMs > 0) {
      // The last hand-over of the burst calls again; the timer bounds the wait under a steady stream.
      this.#deferTimer ??= setTimeout(() => {
        this.#deferTimer = undefined;
        this.refill();
      }, deferMs).unref();
      return;
    }
    this.#startRefill();
  }

  /** How much longer a refill waits for the hand-overs in flight; 0: fill now. */
  #deferMs(): number {
    if (this.#handingOver === 0) return 0;
    return Math.max(0, this.#handingOverSince + (this.#options.refillDeferMs ?? 1_000) - Date.now());
  }

  #startRefill(): void {
    if (this.#stopped) return;
    clearTimeout(this.#deferTimer);
    this.#deferTimer = undefined;
    if (this.#refill) {
      this.#again = true;
      return;
    }
    this.#refill = this.#fillAll().finally(() => {
      this.#refill = undefined;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        this.refill();
      }
    });
  }

  async #fillAll(): Promise<void> {
    for (const [templateId, size] of Object.entries(this.#options.sizes)) {
      // A burst of hand-overs that began meanwhile stops the fill; its last hand-over starts it again.
      while (!this.#stopped && this.#deferMs() === 0 && (this.#idle.get(templateId)?.length ?? 0) < size && this.#options.hasRoom()) {
        const ok = await this.#fillOne(templateId);
        if (!ok) {
          // A failed start (template missing, Docker away): try again later, not in a tight loop;
          // the other templates' pools still fill.
          clearTimeout(this.#retryTimer);
          this.#retryTimer = setTimeout(() => this.refill(), this.#options.retryMs ?? 30_000);
          this.#retryTimer.unref();
          break;
        }
      }
    }
  }

  async #fillOne(templateId: string): Promise<boolean> {
    this.#filling.set(templateId, (this.#filling.get(templateId) ?? 0) + 1);
    try {
      const template = await this.#options.templates.resolve(templateId);
      if (!template) {
        // Once per change, not at every retry: the operator learns it, the log does not fill with it.
        if (!this.#missing.has(templateId)) this.#logger.warn({ template: templateId }, 'pool configured for a template that does not exist; not filling it until it does');
        this.#missing.add(templateId);
        return false;
      }
      if (this.#missing.delete(templateId)) this.#logger.info({ template: templateId }, 'template of a configured pool exists now; filling its pool');
      const shape = this.#options.shapeOf(template);
      const started = Date.now();
      const pooled = await this.#options.backend.createPooled(this.#options.specFor(template, shape));
      this.#idleOf(templateId).push(pooled);
      this.#logger.info({ sandboxId: pooled.sandboxId, template: templateId, durationMs: Date.now() - started }, 'pooled container ready');
      return true;
    } catch (error) {
      this.#logger.error({ err: error, template: templateId }, 'starting a pooled container failed');
      return false;
    } finally {
      this.#filling.set(templateId, (this.#filling.get(templateId) ?? 1) - 1);
    }
  }

  async #unfitReason(pooled: PooledSandbox): Promise<string | undefined> {
    if (pooled.status !== 'running') return `its container is ${pooled.status}`;
    if ((this.#idle.get(pooled.templateId)?.length ?? 0) >= (this.#options.sizes[pooled.templateId] ?? 0)) return 'the pool of its template is full (or off)';
    const template = await this.#options.templates.resolve(pooled.templateId);
    if (!template) return 'its template no longer exists';
    const decision = poolDecision({ allowInternetAccess: true, volumeMountCount: 0 }, this.#options.shapeOf(template), pooled);
    return decision.warm ? undefined : decision.reason;
  }

  async #remove(pooled: PooledSandbox): Promise<void> {
    this.#removing += 1;
    try {
      await this.#options.destroy(pooled.sandboxId);
    } catch (error) {
      // collectGarbage does not see it (no manager owns it): the next runner start removes it.
      this.#logger.error({ err: error, sandboxId: pooled.sandboxId }, 'removing a pooled container failed');
    } finally {
      this.#removing -= 1;
    }
  }

  #idleOf(templateId: string): PooledSandbox[] {
    let list = this.#idle.get(templateId);
    if (!list) {
      list = [];
      this.#idle.set(templateId, list);
    }
    return list;
  }
}
