import type { EgressPolicy } from '../../egress/egress-policy.js';
import type { PoolBackend, PooledSandbox, SandboxBackend, SandboxOwner, SandboxRecord, SandboxSpec } from '../sandbox-backend.js';

/**
 * Unit-test double of `SandboxBackend`: sandboxes are plain records, so lifecycle and API
 * tests run without Docker. The integration suite uses the real Docker backend.
 */
export class InMemoryBackend implements SandboxBackend {
  readonly sandboxes = new Map<string, SandboxRecord>();
  readonly destroyed: string[] = [];
  readonly collected: ReadonlySet<string>[] = [];
  /** Socket path every created sandbox reports (e.g. a test agent's socket). */
  agentSocketPath = '/nonexistent/agent.sock';
  /** When set, `create` rejects with it (to test failure paths). */
  failCreate: Error | undefined;
  /** When set, `destroy` rejects with it (e.g. the container engine is unreachable). */
  failDestroy: Error | undefined;

  /** Pooled containers nobody owns yet, by id. */
  readonly pooled = new Map<string, PooledSandbox & { spec: SandboxSpec }>();
  /** Every hand-over, in order. */
  readonly handOvers: Array<{ sandboxId: string; owner: SandboxOwner }> = [];
  /** When set, `handOver` rejects with it (and drops the pooled container, as the Docker backend does). */
  failHandOver: Error | undefined;
  /** Pooled containers whose agent does not answer (`agentAnswers` false). */
  readonly silentAgents = new Set<string>();
  /** Absent until `withPool()`: a backend without a pool makes every create cold. */
  pool: PoolBackend | undefined;

  /** Gives this backend the warm pool's operations. */
  withPool(): this {
    this.pool = {
      createPooled: async (spec) => {
        if (this.failCreate) throw this.failCreate;
        const pooled = { sandboxId: spec.sandboxId, templateId: spec.templateId, image: spec.image, runtime: spec.runtime ?? 'runc', limits: { ...spec.limits }, status: 'running' as const };
        this.pooled.set(spec.sandboxId, { ...pooled, spec });
        return pooled;
      },
      handOver: async (sandboxId, owner) => {
        const pooled = this.pooled.get(sandboxId);
        this.pooled.delete(sandboxId);
        if (this.failHandOver || !pooled || this.silentAgents.has(sandboxId)) {
          this.destroyed.push(sandboxId);
          throw this.failHandOver ?? new Error(pooled ? `the agent of ${sandboxId} does not answer` : `no pooled ${sandboxId}`);
        }
        this.handOvers.push({ sandboxId, owner });
        const { envVars: _envVars, ...rest } = owner;
        return this.create({ ...pooled.spec, ...rest, envVars: owner.envVars, pooled: true });
      },
      listPooled: async () => [...this.pooled.values()].map(({ spec: _spec, ...pooled }) => ({ ...pooled })),
      agentAnswers: async (sandboxId) => this.pooled.has(sandboxId) && !this.silentAgents.has(sandboxId),
    };
    return this;
  }

  async create(spec: SandboxSpec): Promise<SandboxRecord> {
    if (this.failCreate) throw this.failCreate;
    const record: SandboxRecord = {
      sandboxId: spec.sandboxId,
      tenant: spec.tenant,
      templateId: spec.templateId,
      metadata: { ...spec.metadata },
      allowInternetAccess: spec.allowInternetAccess,
      ...(spec.accessToken === undefined ? {} : { accessToken: spec.accessToken }),
      ...(spec.trafficAccessToken === undefined ? {} : { trafficAccessToken: spec.trafficAccessToken }),
      startedAt: spec.startedAt,
      expiresAt: spec.expiresAt,
      limits: { ...spec.limits },
      ...(spec.runtime === undefined ? {} : { runtime: spec.runtime }),
      ...(spec.volumeMounts?.length ? { volumeMounts: spec.volumeMounts.map(({ name, path }) => ({ name, path })) } : {}),
      status: 'running',
      agentSocketPath: this.agentSocketPath,
      ...(spec.network === undefined ? {} : { network: spec.network }),
      // Like Docker's bridge: an address only with a network device.
      ...(spec.allowInternetAccess ? { address: `172.31.${Math.floor(this.sandboxes.size / 250)}.${(this.sandboxes.size % 250) + 2}` } : {}),
    };
    this.sandboxes.set(spec.sandboxId, record);
    return { ...record };
  }

  async destroy(sandboxId: string): Promise<void> {
    if (this.failDestroy) throw this.failDestroy;
    this.destroyed.push(sandboxId);
    this.sandboxes.delete(sandboxId);
    this.pooled.delete(sandboxId);
  }

  async list(): Promise<SandboxRecord[]> {
    return [...this.sandboxes.values()].map((record) => ({ ...record }));
  }

  async setExpiry(sandboxId: string, expiresAt: Date): Promise<void> {
    const record = this.sandboxes.get(sandboxId);
    if (record) this.sandboxes.set(sandboxId, { ...record, expiresAt });
  }

  async updateNetwork(sandboxId: string, egress: EgressPolicy): Promise<void> {
    const record = this.sandboxes.get(sandboxId);
    if (record) this.sandboxes.set(sandboxId, { ...record, network: { ...(record.network ?? { allowPublicTraffic: true }), egress } });
  }

  async collectGarbage(liveSandboxIds: ReadonlySet<string>): Promise<void> {
    this.collected.push(new Set(liveSandboxIds));
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  /** Simulates a container that died on its own (crash, OOM). */
  markExited(sandboxId: string): void {
    const record = this.sandboxes.get(sandboxId);
    if (record) this.sandboxes.set(sandboxId, { ...record, status: 'exited' });
  }
}
