import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { CODE_LANGUAGES, normaliseLanguage, type CodeLanguage } from '@codebox/protocol';
import type { Logger } from 'pino';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { CodeContext } from './code-context.js';
import { ContextLimitError } from './context-limit.js';
import { mib } from '../memory/memory-units.js';
import type { SandboxMemory } from '../memory/sandbox-memory.js';
import type { KernelFactories, KernelHost } from './kernel-factories.js';

/** Languages that have a context from the start, as E2B's server creates them at startup. */
const DEFAULT_CONTEXT_LANGUAGES: readonly CodeLanguage[] = ['python', 'javascript'];

export interface InterpreterServiceOptions {
  readonly host: KernelHost;
  readonly factories: KernelFactories;
  /** The base environment of every kernel (login basics plus the sandbox's env vars). */
  readonly kernelEnv: Readonly<Record<string, string>>;
  /** The names in `kernelEnv` that are the sandbox's env vars (from create). */
  readonly sandboxEnvNames?: readonly string[];
  readonly logger: Logger;
  /**
   * Most contexts the sandbox may hold, the default ones included (see `defaultContextLimit`);
   * past it creating one fails with `ContextLimitError`. Unbounded contexts let anyone who knows
   * the sandbox id start kernels until the sandbox is OOM-killed.
   */
  readonly maxContexts: number;
  /** Idle kernels are stopped when the sandbox's memory nears its limit (`relieveMemoryPressure`). */
  readonly eviction?: EvictionOptions;
}

export interface EvictionOptions {
  /** The sandbox's memory use and limit. */
  readonly memory: SandboxMemory;
  /** Use at or above this share of the limit is pressure. */
  readonly pressureRatio: number;
  /** A kernel used more recently than this is never evicted (it is likely to be used again). */
  readonly minIdleMs: number;
  /** How often `startEviction` checks. */
  readonly intervalMs: number;
}

/** At 512 MiB: above 435 MiB, kernels idle for 30 s or more are stopped, longest idle first, one a second. */
export const DEFAULT_EVICTION = { pressureRatio: 0.85, minIdleMs: 30_000, intervalMs: 1_000 } as const;

/** Which context a request runs in: one of them, or neither (the default python context). */
export interface ContextSelector {
  readonly contextId?: string | null | undefined;
  readonly language?: string | null | undefined;
}

/**
 * The code contexts of one sandbox. `python` and `javascript` contexts exist from the start
 * (their kernels start on first use, except python's, which `warmUp` starts so the first
 * `runCode` finds it ready); a request naming another language gets that language's default
 * context, made on first use and listed from then on.
 */
export class InterpreterService {
  private readonly contexts = new Map<string, CodeContext>();
  private readonly defaults = new Map<CodeLanguage, CodeContext>();
  private options: InterpreterServiceOptions;
  private warm = false;
  private evictionTimer: NodeJS.Timeout | undefined;

  constructor(options: InterpreterServiceOptions) {
    this.options = options;
    this.createDefaultContexts();
  }

  /** Starts the default python kernel in the background; a failure is logged and retried on first use. */
  warmUp(): void {
    this.warm = true;
    const python = this.defaults.get('python');
    python?.kernel.start().catch((error: unknown) => this.options.logger.error({ err: error }, 'default python kernel did not start'));
  }

  /** Resolves once the default python kernel can execute (at once when nothing warms up); rejects when it cannot start. */
  async ready(): Promise<void> {
    if (this.warm) await this.defaults.get('python')?.kernel.start();
  }

  /**
   * A pooled sandbox's hand-over (the runner's `POST /init`): its env vars became known after the
   * kernels started, so every context goes and the default ones come back on the new environment,
   * the python one warming up again. A kernel never has another environment than a cold sandbox's.
   */
  replaceEnvironment(environment: { readonly kernelEnv: Readonly<Record<string, string>>; readonly sandboxEnvNames: readonly string[] }): void {
    const old = [...this.contexts.values()];
    this.contexts.clear();
    this.defaults.clear();
    this.options = { ...this.options, kernelEnv: environment.kernelEnv, sandboxEnvNames: environment.sandboxEnvNames };
    // Before the default python context forks again: its parent must start on the new environment too.
    void this.options.host.pythonZygote?.restartWith(environment.kernelEnv);
    this.createDefaultContexts();
    if (this.warm) this.warmUp();
    void Promise.allSettled(old.map((context) => context.shutdown()));
  }

  /** Checks for memory pressure every `eviction.intervalMs` (not keeping the agent alive). */
  startEviction(): void {
    const eviction = this.options.eviction;
    if (!eviction || this.evictionTimer) return;
    let busy = false;
    this.evictionTimer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.relieveMemoryPressure()
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'kernel eviction failed'))
        .finally(() => (busy = false));
    }, eviction.intervalMs);
    this.evictionTimer.unref();
  }

  /**
   * Under memory pressure, stops the kernel idle the longest (idle at least `minIdleMs`), so the
   * memory goes to the contexts in use rather than to the OOM killer's choice, which would likely
   * be the busy kernel. Its context stays; its next execution is told what happened
   * (`KernelEvictedError`). One kernel per call; the check repeats. Returns the evicted context.
   */
  async relieveMemoryPressure(now = Date.now()): Promise<CodeContext | undefined> {
    const eviction = this.options.eviction;
    const usage = eviction?.memory.usageBytes?.();
    const limit = eviction?.memory.limitBytes();
    if (!eviction || usage === undefined || limit === undefined || usage < limit * eviction.pressureRatio) return undefined;
    const candidates = [...this.contexts.values()]
      .map((context) => ({ context, idleSince: context.kernel.idleSince?.() }))
      .filter((entry): entry is { context: CodeContext; idleSince: number } => entry.idleSince !== undefined && now - entry.idleSince >= eviction.minIdleMs)
      .sort((a, b) => a.idleSince - b.idleSince);
    for (const { context, idleSince } of candidates) {
      const why = `the sandbox was using ${mib(usage)} of its ${mib(limit)} memory limit and this context had been idle for ${Math.round((now - idleSince) / 1000)} s, the longest`;
      if (await context.kernel.evict?.(why)) {
        this.options.logger.warn({ id: context.id, language: context.language, usage, limit }, 'idle kernel evicted under memory pressure');
        return context;
      }
    }
    return undefined;
  }

  list(): CodeContext[] {
    return [...this.contexts.values()];
  }

  create(request: { readonly language?: string | null | undefined; readonly cwd?: string | null | undefined }): CodeContext {
    const language = this.languageOf(request.language);
    const context = this.newContext(language, this.cwdOf(request.cwd));
    this.options.logger.info({ id: context.id, language, cwd: context.cwd }, 'code context created');
    return context;
  }

  /** The context a request runs in; `InvalidArgumentError` for both or an unknown language, `NotFoundError` for an unknown id. */
  select(selector: ContextSelector): CodeContext {
    if (selector.contextId && selector.language) {
      throw new InvalidArgumentError('pass context_id or language, not both: a context already has its language');
    }
    if (selector.contextId) return this.get(selector.contextId);
    return this.defaultContext(this.languageOf(selector.language));
  }

  get(id: string): CodeContext {
    const context = this.contexts.get(id);
    if (!context) throw new NotFoundError(`context '${id}' not found; list contexts with GET /contexts or create one`);
    return context;
  }

  async restart(id: string): Promise<void> {
    await this.get(id).restart();
  }

  async remove(id: string): Promise<void> {
    const context = this.get(id);
    this.contexts.delete(id);
    if (this.defaults.get(context.language) === context) this.defaults.delete(context.language);
    await context.shutdown();
    this.options.logger.info({ id }, 'code context removed');
  }

  async shutdown(): Promise<void> {
    clearInterval(this.evictionTimer);
    this.evictionTimer = undefined;
    const all = [...this.contexts.values()];
    this.contexts.clear();
    this.defaults.clear();
    await Promise.allSettled(all.map((context) => context.shutdown()));
    await this.options.host.pythonZygote?.shutdown();
  }

  private createDefaultContexts(): void {
    for (const language of DEFAULT_CONTEXT_LANGUAGES) {
      if (this.options.factories[language]) this.defaultContext(language);
    }
  }

  private defaultContext(language: CodeLanguage): CodeContext {
    const existing = this.defaults.get(language);
    if (existing) return existing;
    const context = this.newContext(language, this.options.host.user.home);
    this.defaults.set(language, context);
    return context;
  }

  private newContext(language: CodeLanguage, cwd: string): CodeContext {
    const factory = this.options.factories[language];
    if (!factory) {
      const available = CODE_LANGUAGES.filter((name) => this.options.factories[name]).join(', ');
      throw new InvalidArgumentError(`no ${language} kernel in this sandbox; available languages: ${available}`);
    }
    if (this.contexts.size >= this.options.maxContexts) {
      this.options.logger.warn({ limit: this.options.maxContexts, language }, 'code context refused: the sandbox is at its context limit');
      throw new ContextLimitError(this.options.maxContexts);
    }
    const id = randomUUID();
    const kernel = factory(this.options.host, {
      contextId: id,
      cwd,
      env: { ...this.options.kernelEnv, PWD: cwd },
      sandboxEnvNames: this.options.sandboxEnvNames ?? [],
    });
    const context = new CodeContext(id, language, cwd, kernel);
    this.contexts.set(context.id, context);
    return context;
  }

  private languageOf(name: string | null | undefined): CodeLanguage {
    const language = normaliseLanguage(name);
    if (!language) {
      throw new InvalidArgumentError(`unknown language '${name ?? ''}'; use one of ${CODE_LANGUAGES.join(', ')} (or js, ts)`);
    }
    return language;
  }

  private cwdOf(cwd: string | null | undefined): string {
    if (!cwd) return this.options.host.user.home;
    if (cwd.includes('\0')) throw new InvalidArgumentError('cwd contains a NUL byte; remove it');
    return isAbsolute(cwd) ? resolve(cwd) : resolve(this.options.host.user.home, cwd);
  }
}
