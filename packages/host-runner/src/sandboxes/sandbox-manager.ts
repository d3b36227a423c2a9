import type { Logger } from 'pino';
import type { ResolvedVolumeMount } from '../volumes/volume-backend.js';
import { DEFAULT_SANDBOX_TIMEOUT_MS, MAX_SANDBOX_TIMEOUT_MS } from '@codebox/protocol';
import type { SandboxBackend, SandboxLimits, SandboxOwner, SandboxRecord } from './sandbox-backend.js';
import type { TemplateCatalog } from '../templates/template-catalog.js';
import { systemClock, type Clock, type ClockTimer } from './clock.js';
import { ExpiryScheduler } from './expiry-scheduler.js';
import { InvalidRequestError, NetworkUpdateConflictError, QuotaExceededError, SandboxNotFoundError, TemplateNotFoundError } from './errors.js';
import { generateAccessToken, generateSandboxId } from './sandbox-ids.js';
import { crashPoint } from '../fault-injection.js';
import { DEFAULT_SANDBOX_RUNTIME, type SandboxRuntime } from './sandbox-runtime.js';
import { OPEN_EGRESS, type EgressPolicy, type SandboxNetworkSettings } from '../egress/egress-policy.js';
import type { TemplateImage } from '../templates/template-catalog.js';
import type { PoolShape } from '../pool/pool-eligibility.js';
import type { PoolSizes } from '../pool/pool-sizes.js';
import { WarmPool } from '../pool/warm-pool.js';
import { pooledSandboxSpec } from '../pool/pooled-spec.js';

export interface SandboxManagerOptions {
  backend: SandboxBackend;
  templates: TemplateCatalog;
  logger: Logger;
  /** Limits every new sandbox gets (the operator's configuration). */
  limits: SandboxLimits;
  defaultTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** Running sandboxes allowed on this runner, all tenants together. */
  maxSandboxes: number;
  maxSandboxesPerTenant: number;
  /** How often Docker is asked which sandboxes still run; 0 turns the periodic check off. */
  reconcileIntervalMs?: number;
  /** Isolation level of sandboxes whose template names none. Default `runc`. */
  runtime?: SandboxRuntime;
  /** Time and timers for deadlines and removal retries; tests pass fake ones. Default: the process clock. */
  clock?: Clock;
  /** Warm-pool size per template (`pool` in the runner config); none (or a backend without `pool`): every create is cold. */
  pool?: PoolSizes;
}

export interface CreateSandboxRequest {
  tenant: string;
  templateId: string;
  /** Lifetime from now; the default lifetime when absent. */
  timeoutMs?: number;
  metadata?: Record<string, string>;
  envVars?: Record<string, string>;
  allowInternetAccess?: boolean;
  /** When true (the default) the gateway demands the sandbox's access token. */
  secure?: boolean;
  /** When false, every port but envd's demands the sandbox's traffic access token (E2B's `network.allowPublicTraffic`). */
  allowPublicTraffic?: boolean;
  /** Egress policy and Host mask (E2B's `network`); absent: open egress. `allowPublicTraffic` above wins over its copy here. */
  network?: SandboxNetworkSettings;
  /** Named volumes to mount, resolved to the tenant's volumes by the API. */
  volumeMounts?: readonly ResolvedVolumeMount[];
}

export type SandboxRemovedListener = (record: SandboxRecord, reason: string) => void;

/** Retry delays for removing an expired sandbox while the backend fails (Docker away): 1 s doubling to 30 s. */
const REMOVAL_RETRY_FIRST_MS = 1_000;
const REMOVAL_RETRY_MAX_MS = 30_000;

/** Why a listed sandbox that does not run is removed, for the log. */
function notRunningReason(status: SandboxRecord['status'], whileDown: boolean): string {
  if (status === 'incomplete') return 'its create never completed (the runner stopped mid-create)';
  return whileDown ? 'exited while the runner was down' : 'exited';
}

/**
 * The lifecycle of every sandbox this runner owns. The index is a cache of what the backend
 * reports (principle 3): `start()` rebuilds it from `backend.list()`, and nothing here exists
 * that a restarted runner could not get back.
 */
export class SandboxManager {
  readonly #backend: SandboxBackend;
  readonly #templates: TemplateCatalog;
  readonly #logger: Logger;
  readonly #limits: SandboxLimits;
  readonly #defaultTimeoutMs: number;
  readonly #maxTimeoutMs: number;
  readonly #maxSandboxes: number;
  readonly #maxPerTenant: number;
  readonly #reconcileIntervalMs: number;
  readonly #runtime: SandboxRuntime;
  readonly #clock: Clock;
  readonly #expiry: ExpiryScheduler;

  readonly #sandboxes = new Map<string, SandboxRecord>();
  readonly #networkUpdates = new Map<string, Promise<void>>();
  /** Creates in flight per tenant: they count against quotas before the backend answers. */
  readonly #pendingByTenant = new Map<string, number>();
  readonly #pendingIds = new Set<string>();
  /** Ids this process destroyed (with when), so a reconcile racing a kill never re-adopts one. */
  readonly #tombstones = new Map<string, number>();
  readonly #removedListeners = new Set<SandboxRemovedListener>();
  /** Expired sandboxes whose removal failed, waiting for the next try. */
  readonly #removalRetries = new Map<string, ClockTimer>();
  #reconcileTimer: NodeJS.Timeout | undefined;
  #reconciling: Promise<void> | undefined;
  readonly #pool: WarmPool | undefined;

  constructor(options: SandboxManagerOptions) {
    this.#backend = options.backend;
    this.#templates = options.templates;
    this.#logger = options.logger.child({ component: 'sandbox-manager' });
    this.#limits = options.limits;
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_SANDBOX_TIMEOUT_MS;
    this.#maxTimeoutMs = options.maxTimeoutMs ?? MAX_SANDBOX_TIMEOUT_MS;
    this.#maxSandboxes = options.maxSandboxes;
    this.#maxPerTenant = options.maxSandboxesPerTenant;
    this.#reconcileIntervalMs = options.reconcileIntervalMs ?? 30_000;
    this.#runtime = options.runtime ?? DEFAULT_SANDBOX_RUNTIME;
    this.#clock = options.clock ?? systemClock;
    this.#expiry = new ExpiryScheduler((id) => void this.#expire(id), this.#clock);
    const poolBackend = options.backend.pool;
    const sizes = options.pool ?? {};
    // Also with every size 0: its start() removes what a runner with a pool left.
    this.#pool = poolBackend
      ? new WarmPool({
          backend: poolBackend,
          destroy: (id) => this.#backend.destroy(id),
          sizes,
          templates: this.#templates,
          shapeOf: (template) => this.#shapeOf(template),
          specFor: (template, shape) => {
            const now = new Date(this.#clock.now());
            return pooledSandboxSpec(template, shape, now, new Date(now.getTime() + this.#maxTimeoutMs));
          },
          hasRoom: () => this.#containerCount() < this.#maxSandboxes,
          logger: this.#logger,
        })
      : undefined;
  }

  /** The warm pool, when one is configured (for logs and tests). */
  get pool(): WarmPool | undefined {
    return this.#pool;
  }

  get defaultTimeoutMs(): number {
    return this.#defaultTimeoutMs;
  }

  /** Re-adopts live sandboxes, reaps expired or exited ones, then lets the backend collect leftovers. */
  async start(): Promise<void> {
    const now = this.#clock.now();
    const records = await this.#backend.list();
    const reaped: Promise<void>[] = [];
    for (const record of records) {
      if (record.status !== 'running') {
        reaped.push(this.#destroy(record, notRunningReason(record.status, true)));
      } else if (record.expiresAt.getTime() <= now) {
        reaped.push(this.#destroy(record, 'expired while the runner was down'));
      } else {
        this.#adopt(record);
      }
    }
    // A failed removal is logged by #destroy and retried by the next reconcile.
    await Promise.allSettled(reaped);
    await this.#backend.collectGarbage(new Set(this.#sandboxes.keys()));
    this.#logger.info({ adopted: this.#sandboxes.size, reaped: reaped.length }, 'sandbox index rebuilt from the backend');
    if (this.#pool) {
      await this.#pool.start();
      // A sandbox gone leaves room a pool below its size may take again.
      this.onSandboxRemoved(() => this.#pool?.refill());
    }
    if (this.#reconcileIntervalMs > 0) {
      this.#reconcileTimer = setInterval(() => void this.reconcile(), this.#reconcileIntervalMs);
      this.#reconcileTimer.unref();
    }
  }

  /** Stops timers and empties the warm pool. Sandboxes keep running so that the next runner re-adopts them. */
  async stop(): Promise<void> {
    await this.#pool?.stop();
    clearInterval(this.#reconcileTimer);
    this.#reconcileTimer = undefined;
    this.#expiry.cancelAll();
    for (const timer of this.#removalRetries.values()) this.#clock.clearTimeout(timer);
    this.#removalRetries.clear();
    await this.#reconciling;
  }

  onSandboxRemoved(listener: SandboxRemovedListener): () => void {
    this.#removedListeners.add(listener);
    return () => this.#removedListeners.delete(listener);
  }

  async create(request: CreateSandboxRequest): Promise<SandboxRecord> {
    const timeoutMs = request.timeoutMs ?? this.#defaultTimeoutMs;
    this.#checkTimeout(timeoutMs);
    const template = await this.#templates.resolve(request.templateId);
    if (!template) {
      const available = (await this.#templates.list()).map((t) => t.name).sort();
      throw new TemplateNotFoundError(request.templateId, available);
    }
    this.#checkQuota(request.tenant);

    const startedAt = new Date(this.#clock.now());
    const shape = this.#shapeOf(template);
    // Everything a hand-over applies; a cold create puts the same into its spec.
    const owner: SandboxOwner = {
      tenant: request.tenant,
      metadata: request.metadata ?? {},
      envVars: request.envVars ?? {},
      ...(request.secure === false ? {} : { accessToken: generateAccessToken() }),
      ...((request.allowPublicTraffic ?? request.network?.allowPublicTraffic) === false ? { trafficAccessToken: generateAccessToken() } : {}),
      startedAt,
      expiresAt: new Date(startedAt.getTime() + timeoutMs),
      network: {
        egress: request.network?.egress ?? OPEN_EGRESS,
        allowPublicTraffic: request.allowPublicTraffic ?? request.network?.allowPublicTraffic ?? true,
        ...(request.network?.maskRequestHost === undefined ? {} : { maskRequestHost: request.network.maskRequestHost }),
      },
    };
    const allowInternetAccess = request.allowInternetAccess ?? true;

    const sandboxId = generateSandboxId();
    // Ids of this create's containers (tried pooled ones, the cold one): pending until adopted, so a reconcile skips them.
    const pendingIds: string[] = [];
    const pending = (id: string): void => {
      pendingIds.push(id);
      this.#pendingIds.add(id);
    };
    this.#pendingByTenant.set(request.tenant, (this.#pendingByTenant.get(request.tenant) ?? 0) + 1);
    try {
      const poolBackend = this.#backend.pool;
      let record =
        poolBackend &&
        (await this.#pool?.serve(request.templateId, { allowInternetAccess, volumeMountCount: request.volumeMounts?.length ?? 0 }, shape, (pooled) => {
          pending(pooled.sandboxId);
          return poolBackend.handOver(pooled.sandboxId, owner);
        }));
      const warm = record !== undefined;
      if (!record) {
        await this.#makeRoom();
        pending(sandboxId);
        record = await this.#backend.create({
          sandboxId,
          templateId: request.templateId,
          image: template.image,
          allowInternetAccess,
          limits: shape.limits,
          // A template that needs the stronger (or the faster) level says so; the runner's is the default.
          runtime: shape.runtime,
          ...owner,
          ...(request.volumeMounts?.length ? { volumeMounts: request.volumeMounts } : {}),
        });
      }
      this.#adopt(record);
      this.#logger.info(
        { sandboxId: record.sandboxId, tenant: request.tenant, template: request.templateId, runtime: shape.runtime, expiresAt: record.expiresAt, warm },
        'sandbox created',
      );
      crashPoint('create:before-response');
      return record;
    } finally {
      for (const id of pendingIds) this.#pendingIds.delete(id);
      const inFlight = (this.#pendingByTenant.get(request.tenant) ?? 1) - 1;
      if (inFlight > 0) this.#pendingByTenant.set(request.tenant, inFlight);
      else this.#pendingByTenant.delete(request.tenant);
    }
  }

  /** What a sandbox of this template is started with now: the runner's limits, the template's runtime or the runner's. */
  #shapeOf(template: TemplateImage): PoolShape {
    return { image: template.image, runtime: template.runtime ?? this.#runtime, limits: { ...this.#limits } };
  }

  /** Sandboxes, creates in flight and pooled containers: together they stay within `maxSandboxes`. */
  #containerCount(): number {
    let pendingTotal = 0;
    for (const count of this.#pendingByTenant.values()) pendingTotal += count;
    return this.#sandboxes.size + pendingTotal + (this.#pool?.count ?? 0);
  }

  /** A cold create over the budget (this create counted) evicts pooled containers until it fits. */
  async #makeRoom(): Promise<void> {
    while (this.#pool && this.#containerCount() > this.#maxSandboxes) {
      if (!(await this.#pool.evictOne())) return;
    }
  }

  /** The caller's sandbox; another tenant's sandbox is reported as missing, never as forbidden. */
  get(tenant: string, sandboxId: string): SandboxRecord {
    const record = this.#sandboxes.get(sandboxId);
    if (!record || record.tenant !== tenant) throw new SandboxNotFoundError(sandboxId);
    return record;
  }

  /** Every sandbox this runner holds, all tenants (for lookups by a credential that names no tenant). */
  all(): IterableIterator<SandboxRecord> {
    return this.#sandboxes.values();
  }

  list(tenant: string): SandboxRecord[] {
    return [...this.#sandboxes.values()].filter((record) => record.tenant === tenant);
  }

  /** Any live sandbox by id, whoever owns it: the gateway authorises by access token instead. */
  lookup(sandboxId: string): SandboxRecord | undefined {
    return this.#sandboxes.get(sandboxId);
  }

  async kill(tenant: string, sandboxId: string): Promise<void> {
    const record = this.get(tenant, sandboxId);
    await this.#destroy(record, 'killed');
  }

  /** Sets the deadline to `timeoutMs` from now, shortening it if asked to (E2B's `setTimeout`). */
  async setTimeout(tenant: string, sandboxId: string, timeoutMs: number): Promise<SandboxRecord> {
    this.#checkTimeout(timeoutMs);
    this.get(tenant, sandboxId);
    return this.#setExpiry(sandboxId, new Date(this.#clock.now() + timeoutMs));
  }

  /** Moves the deadline to `timeoutMs` from now only if that is later (connect, refresh). */
  async extend(tenant: string, sandboxId: string, timeoutMs: number): Promise<SandboxRecord> {
    this.#checkTimeout(timeoutMs);
    const record = this.get(tenant, sandboxId);
    const candidate = new Date(this.#clock.now() + timeoutMs);
    if (candidate.getTime() <= record.expiresAt.getTime()) return record;
    return this.#setExpiry(sandboxId, candidate);
  }

  /**
   * Replaces the sandbox's egress policy (E2B's `updateNetwork`: the new policy replaces the old
   * whole). A sandbox created with `allowInternetAccess: false` has no network device: 409.
   */
  async updateNetwork(tenant: string, sandboxId: string, egress: EgressPolicy): Promise<SandboxRecord> {
    const record = this.get(tenant, sandboxId);
    if (!record.allowInternetAccess) throw new NetworkUpdateConflictError(sandboxId);
    // One update at a time per sandbox, so the file on disk and the rules in the kernel end as the same policy.
    const previous = this.#networkUpdates.get(sandboxId) ?? Promise.resolve();
    const update = previous.catch(() => undefined).then(() => this.#backend.updateNetwork(sandboxId, egress));
    this.#networkUpdates.set(sandboxId, update);
    try {
      await update;
    } finally {
      if (this.#networkUpdates.get(sandboxId) === update) this.#networkUpdates.delete(sandboxId);
    }
    const current = this.#sandboxes.get(sandboxId);
    // Killed while the policy was being applied: nothing left to update.
    if (!current) throw new SandboxNotFoundError(sandboxId);
    const updated: SandboxRecord = { ...current, network: { ...(current.network ?? { allowPublicTraffic: true }), egress } };
    this.#sandboxes.set(sandboxId, updated);
    return updated;
  }

  /** Brings the index in line with the backend: drops sandboxes that died, adopts strays. */
  reconcile(): Promise<void> {
    this.#reconciling ??= this.#reconcileOnce().finally(() => {
      this.#reconciling = undefined;
    });
    return this.#reconciling;
  }

  async #reconcileOnce(): Promise<void> {
    const startedAt = this.#clock.now();
    const indexedBefore = new Set(this.#sandboxes.keys());
    let records: SandboxRecord[];
    try {
      records = await this.#backend.list();
    } catch (error) {
      this.#logger.error({ err: error }, 'reconcile could not list sandboxes; keeping the current index');
      return;
    }
    const listed = new Set(records.map((record) => record.sandboxId));
    const work: Promise<void>[] = [];
    for (const record of records) {
      const id = record.sandboxId;
      if (this.#pendingIds.has(id) || this.#tombstones.has(id)) continue;
      if (record.status !== 'running') {
        work.push(this.#destroy(this.#sandboxes.get(id) ?? record, notRunningReason(record.status, false)));
      } else if (!this.#sandboxes.has(id)) {
        if (record.expiresAt.getTime() <= this.#clock.now()) work.push(this.#destroy(record, 'expired'));
        else this.#adopt(record);
      }
    }
    for (const id of indexedBefore) {
      const record = this.#sandboxes.get(id);
      if (record && !listed.has(id)) work.push(this.#destroy(record, 'disappeared from the backend'));
    }
    await Promise.allSettled(work);
    // Files of creates that failed while the backend was away (their cleanup could not confirm
    // the container gone, so it kept them) are collected once it answers again. Sandboxes being
    // removed right now clean up after themselves.
    try {
      await this.#backend.collectGarbage(new Set([...this.#sandboxes.keys(), ...this.#tombstones.keys()]));
    } catch (error) {
      this.#logger.error({ err: error }, 'collecting leftovers failed; retrying on the next reconcile');
    }
    for (const [id, destroyedAt] of this.#tombstones) {
      if (destroyedAt < startedAt && !listed.has(id)) this.#tombstones.delete(id);
    }
  }

  #adopt(record: SandboxRecord): void {
    this.#sandboxes.set(record.sandboxId, record);
    this.#expiry.schedule(record.sandboxId, record.expiresAt);
  }

  async #setExpiry(sandboxId: string, expiresAt: Date): Promise<SandboxRecord> {
    await this.#backend.setExpiry(sandboxId, expiresAt);
    const current = this.#sandboxes.get(sandboxId);
    // Killed while the expiry was being written: nothing left to update.
    if (!current) throw new SandboxNotFoundError(sandboxId);
    const updated: SandboxRecord = { ...current, expiresAt };
    this.#sandboxes.set(sandboxId, updated);
    this.#expiry.schedule(sandboxId, expiresAt);
    this.#logger.debug({ sandboxId, expiresAt }, 'sandbox expiry changed');
    return updated;
  }

  async #expire(sandboxId: string): Promise<void> {
    const record = this.#sandboxes.get(sandboxId);
    if (!record) return;
    // #destroy logs a failure; nothing awaits this timer callback, so retry here.
    await this.#destroy(record, 'expired').catch(() => this.#retryRemoval(record, REMOVAL_RETRY_FIRST_MS));
  }

  /**
   * An expired sandbox stays out of the index (it must not be served) while its removal is
   * retried with backoff, so it goes soon after the backend answers again, not only at the
   * next reconcile.
   */
  #retryRemoval(record: SandboxRecord, delayMs: number): void {
    const id = record.sandboxId;
    const previous = this.#removalRetries.get(id);
    if (previous) this.#clock.clearTimeout(previous);
    const timer = this.#clock.setTimeout(() => {
      this.#removalRetries.delete(id);
      // Re-created meanwhile by a reconcile that adopted it again: its expiry timer owns it now.
      if (this.#sandboxes.has(id)) return;
      this.#destroy(record, 'expired').catch(() => this.#retryRemoval(record, Math.min(delayMs * 2, REMOVAL_RETRY_MAX_MS)));
    }, delayMs);
    timer.unref();
    this.#removalRetries.set(id, timer);
  }

  /**
   * Forgets the sandbox first, so a concurrent second kill is a clean "not found", then asks
   * the backend to remove it. A failed removal is logged; the next reconcile retries it.
   */
  async #destroy(record: SandboxRecord, reason: string): Promise<void> {
    const id = record.sandboxId;
    this.#sandboxes.delete(id);
    this.#expiry.cancel(id);
    this.#tombstones.set(id, this.#clock.now());
    for (const listener of this.#removedListeners) listener(record, reason);
    try {
      await this.#backend.destroy(id);
      this.#logger.info({ sandboxId: id, tenant: record.tenant, reason }, 'sandbox removed');
    } catch (error) {
      // Let the next reconcile see the container again and retry.
      this.#tombstones.delete(id);
      // A kill the caller is told failed leaves the sandbox as it was: still listed and served.
      if (reason === 'killed' && !this.#sandboxes.has(id)) this.#adopt(record);
      this.#logger.error({ err: error, sandboxId: id, reason }, 'sandbox removal failed; will retry on the next reconcile');
      throw error;
    }
  }

  #checkTimeout(timeoutMs: number): void {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new InvalidRequestError(`timeout must be a non-negative number of seconds, got ${timeoutMs / 1000}.`);
    }
    if (timeoutMs > this.#maxTimeoutMs) {
      throw new InvalidRequestError(
        `timeout ${Math.ceil(timeoutMs / 1000)} s is longer than the maximum of ${this.#maxTimeoutMs / 1000} s; pass a shorter timeout.`,
      );
    }
  }

  #checkQuota(tenant: string): void {
    let pendingTotal = 0;
    for (const count of this.#pendingByTenant.values()) pendingTotal += count;
    if (this.#sandboxes.size + pendingTotal >= this.#maxSandboxes) throw new QuotaExceededError('runner', this.#maxSandboxes);
    const mine = this.list(tenant).length + (this.#pendingByTenant.get(tenant) ?? 0);
    if (mine >= this.#maxPerTenant) throw new QuotaExceededError('tenant', this.#maxPerTenant);
  }
}
