import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { ProcessLauncher } from '../services/process-launcher.js';
import type { ExecuteRequest, ExecutionSink, Kernel, KernelLanguage, KernelOptions } from './kernel.js';
import type { KernelFactories, KernelHost } from './kernel-factories.js';
import { ContextLimitError, defaultContextLimit } from './context-limit.js';
import { InterpreterService } from './interpreter-service.js';

/** A kernel that records what it is asked and takes `delayMs` per cell. */
class RecordingKernel implements Kernel {
  readonly events: string[] = [];
  started = 0;
  constructor(
    readonly language: KernelLanguage,
    readonly options: KernelOptions,
    private readonly log: string[],
    private readonly delayMs = 30,
  ) {}
  async start(): Promise<void> {
    this.started += 1;
  }
  async execute(request: ExecuteRequest, sink: ExecutionSink) {
    this.log.push(`start ${request.code}`);
    await sleep(this.delayMs);
    sink.stdout(request.code);
    this.log.push(`end ${request.code}`);
    return { executionCount: 1 };
  }
  async restart(): Promise<void> {
    this.log.push('restart');
  }
  async shutdown(): Promise<void> {
    this.log.push('shutdown');
  }
}

const logger = pino({ level: 'silent' });
const host: KernelHost = {
  launcher: new ProcessLauncher(undefined, logger),
  user: { name: 'user', uid: 1000, gid: 1000, home: '/home/user' },
  kernelsDir: '/opt/codebox/kernels',
  nodePath: '/opt/codebox/bin/node',
  logger,
};

function service(languages: KernelLanguage[] = ['python', 'javascript', 'bash'], maxContexts = 16) {
  const log: string[] = [];
  const kernels: RecordingKernel[] = [];
  const factories: KernelFactories = {};
  for (const language of languages) {
    factories[language] = (_host, options) => {
      const kernel = new RecordingKernel(language, options, log);
      kernels.push(kernel);
      return kernel;
    };
  }
  return { log, kernels, service: new InterpreterService({ host, factories, kernelEnv: { PATH: '/usr/bin' }, logger, maxContexts }) };
}

const sink: ExecutionSink = { stdout: () => undefined, stderr: () => undefined, result: () => undefined, error: () => undefined };
const run = (code: string) => ({ code, envVars: {}, signal: new AbortController().signal });

describe('InterpreterService', () => {
  it('lists python and javascript contexts from the start, in the home directory', () => {
    const { service: interpreter } = service();
    expect(interpreter.list().map((context) => context.toJSON())).toEqual([
      { id: expect.any(String), language: 'python', cwd: '/home/user' },
      { id: expect.any(String), language: 'javascript', cwd: '/home/user' },
    ]);
  });

  it('starts only the python kernel when warmed up', () => {
    const { service: interpreter, kernels } = service();
    interpreter.warmUp();
    expect(kernels.map((kernel) => [kernel.language, kernel.started])).toEqual([
      ['python', 1],
      ['javascript', 0],
    ]);
  });

  it('a hand-over replaces every context with default ones on the new environment, the python kernel warm again', async () => {
    const { kernels, service: interpreter, log } = service();
    interpreter.warmUp();
    const before = interpreter.list().map((context) => context.id);
    interpreter.replaceEnvironment({ kernelEnv: { PATH: '/usr/bin', GREETING: 'hi' }, sandboxEnvNames: ['GREETING'] });
    const after = interpreter.list();
    expect(after.map((context) => context.language)).toEqual(['python', 'javascript']);
    expect(after.some((context) => before.includes(context.id))).toBe(false);
    const fresh = kernels.slice(2);
    expect(fresh.map((kernel) => kernel.options.env)).toEqual([
      { PATH: '/usr/bin', GREETING: 'hi', PWD: '/home/user' },
      { PATH: '/usr/bin', GREETING: 'hi', PWD: '/home/user' },
    ]);
    expect(fresh.map((kernel) => kernel.options.sandboxEnvNames)).toEqual([['GREETING'], ['GREETING']]);
    expect(fresh.map((kernel) => kernel.started)).toEqual([1, 0]);
    await expect.poll(() => log.filter((entry) => entry === 'shutdown').length).toBe(2);
  });

  it('selects default contexts by language (aliases too), making them on first use', () => {
    const { service: interpreter } = service();
    const js = interpreter.select({ language: 'js' });
    expect(js.language).toBe('javascript');
    expect(interpreter.select({ language: 'javascript' })).toBe(js);
    expect(interpreter.select({}).language).toBe('python');
    const bash = interpreter.select({ language: 'bash' });
    expect(interpreter.list()).toContain(bash);
    expect(() => interpreter.select({ language: 'cobol' })).toThrow(InvalidArgumentError);
    expect(() => interpreter.select({ language: 'r' })).toThrow(/no r kernel in this sandbox; available languages: python, javascript, bash/);
    expect(() => interpreter.select({ language: 'bash', contextId: bash.id })).toThrow(InvalidArgumentError);
    expect(() => interpreter.select({ contextId: 'missing' })).toThrow(NotFoundError);
  });

  it('creates contexts with their cwd (relative to home) and passes it to the kernel', () => {
    const { service: interpreter, kernels } = service();
    const context = interpreter.create({ language: 'bash', cwd: 'project' });
    expect(context.cwd).toBe('/home/user/project');
    expect(kernels.at(-1)?.options).toEqual({ contextId: context.id, cwd: '/home/user/project', env: { PATH: '/usr/bin', PWD: '/home/user/project' }, sandboxEnvNames: [] });
  });

  it('serialises executions and restarts per context, and runs contexts concurrently', async () => {
    const { service: interpreter, log } = service();
    const a = interpreter.create({ language: 'bash' });
    const b = interpreter.create({ language: 'bash' });
    await Promise.all([a.execute(run('a1'), sink), a.restart(), a.execute(run('a2'), sink), b.execute(run('b1'), sink)]);
    expect(log.filter((event) => /a\d|restart/.test(event))).toEqual(['start a1', 'end a1', 'restart', 'start a2', 'end a2']);
    // b1 started while a1 was still running.
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('does not run an execution whose caller left while it was queued', async () => {
    const { service: interpreter, log } = service();
    const context = interpreter.create({ language: 'bash' });
    const gone = new AbortController();
    const first = context.execute(run('first'), sink);
    const queued = context.execute({ ...run('queued'), signal: gone.signal }, sink);
    gone.abort();
    await first;
    await expect(queued).rejects.toThrow();
    expect(log).toEqual(['start first', 'end first']);
  });

  it('removes a context and shuts its kernel down', async () => {
    const { service: interpreter, log } = service();
    const context = interpreter.create({ language: 'javascript' });
    await interpreter.remove(context.id);
    expect(log).toEqual(['shutdown']);
    expect(() => interpreter.get(context.id)).toThrow(NotFoundError);
    await expect(interpreter.remove(context.id)).rejects.toThrow(NotFoundError);
  });

  it('caps contexts, default ones included, and frees a slot on removal', async () => {
    const { service: svc } = service(['python', 'javascript', 'bash'], 5);
    const created = [svc.create({ language: 'python' }), svc.create({ language: 'bash' }), svc.create({})];
    expect(svc.list()).toHaveLength(5);
    for (const request of [{ language: 'python' }, { language: 'bash' }, { cwd: '/tmp' }]) {
      const refused = (() => {
        try {
          svc.create(request);
        } catch (error) {
          return error;
        }
      })();
      expect(refused).toBeInstanceOf(ContextLimitError);
      expect((refused as Error).message).toMatch(/limit of 5 code contexts/);
    }
    // A language's default context is a context too: its first use is refused the same way.
    expect(() => svc.select({ language: 'bash' })).toThrow(ContextLimitError);
    await svc.remove(created[0]!.id);
    expect(svc.select({ language: 'bash' }).language).toBe('bash');
    expect(svc.list()).toHaveLength(5);
  });
});

describe('defaultContextLimit', () => {
  it('derives the cap from the memory limit, within bounds', () => {
    const MiB = 1024 * 1024;
    expect(defaultContextLimit(512 * MiB)).toBe(16);
    expect(defaultContextLimit(1024 * MiB)).toBe(32);
    expect(defaultContextLimit(64 * MiB)).toBe(4);
    expect(defaultContextLimit(64 * 1024 * MiB)).toBe(64);
    expect(defaultContextLimit(undefined)).toBe(16);
  });
});

describe('InterpreterService.relieveMemoryPressure', () => {
  /** A kernel idle since `idle` (undefined: busy or without a process) that records its eviction. */
  class IdleKernel extends RecordingKernel {
    evicted: string | undefined;
    constructor(
      options: KernelOptions,
      public idle: number | undefined,
    ) {
      super('python', options, []);
    }
    idleSince(): number | undefined {
      return this.idle;
    }
    async evict(why: string): Promise<boolean> {
      if (this.idle === undefined) return false;
      this.evicted = why;
      this.idle = undefined;
      return true;
    }
  }

  function pressured(usage: { bytes: number }) {
    const kernels: IdleKernel[] = [];
    const MiB = 1024 * 1024;
    const svc = new InterpreterService({
      host,
      factories: {
        python: (_host, options) => {
          const kernel = new IdleKernel(options, undefined);
          kernels.push(kernel);
          return kernel;
        },
      },
      kernelEnv: {},
      logger,
      maxContexts: 16,
      eviction: { memory: { limitBytes: () => 512 * MiB, oomKills: () => 0, usageBytes: () => usage.bytes * MiB }, pressureRatio: 0.85, minIdleMs: 10_000, intervalMs: 1_000 },
    });
    return { svc, kernels };
  }

  it('stops the longest-idle kernel only under pressure, never a busy or recently used one, and says why', async () => {
    const usage = { bytes: 400 };
    const { svc, kernels } = pressured(usage);
    const [byDefault, old, older, busy] = [svc.select({}), svc.create({}), svc.create({}), svc.create({})];
    expect(byDefault && busy).toBeTruthy();
    const [defaultKernel, oldKernel, olderKernel, busyKernel] = kernels as [IdleKernel, IdleKernel, IdleKernel, IdleKernel];
    defaultKernel.idle = 95_000;
    oldKernel.idle = 50_000;
    olderKernel.idle = 20_000;
    busyKernel.idle = undefined;

    expect(await svc.relieveMemoryPressure(100_000)).toBeUndefined();
    usage.bytes = 450;
    expect((await svc.relieveMemoryPressure(100_000))?.id).toBe(older.id);
    expect(olderKernel.evicted).toMatch(/using 450 MiB of its 512 MiB memory limit .* idle for 80 s/);
    expect((await svc.relieveMemoryPressure(100_000))?.id).toBe(old.id);
    // The default kernel was used 5 s ago and the last one is busy: nothing more to stop.
    expect(await svc.relieveMemoryPressure(100_000)).toBeUndefined();
    expect([defaultKernel.evicted, busyKernel.evicted]).toEqual([undefined, undefined]);
    await svc.shutdown();
  });
});
