// Test support, run INSIDE a dev container by the agent's Node runtime (bundled by
// `kernel-container.ts`): one kernel of the language given in argv, driven through the
// `Kernel` interface with the production launcher (sandbox-exec, uid 1000). Requests arrive on
// stdin and sink calls leave on stdout, one JSON object per line.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { ProcessLauncher } from '../services/process-launcher.js';
import { UserDirectory } from '../services/user-directory.js';
import type { Kernel, KernelOptions } from '../interpreter/kernel.js';
import type { KernelHost } from '../interpreter/kernel-factories.js';
import { createJavaKernel } from '../interpreter/kernels/java-kernel.js';
import { createPythonKernel } from '../interpreter/kernels/python-kernel.js';
import { PythonZygote } from '../interpreter/kernels/python-zygote.js';
import { createRKernel } from '../interpreter/kernels/r-kernel.js';

/** `kernel`: which of the harness's kernels (default 0); a forking harness shares one zygote between them. */
export type HarnessRequest =
  | { readonly op: 'start' | 'restart' | 'shutdown' | 'memory'; readonly id: number; readonly kernel?: number }
  | { readonly op: 'execute'; readonly id: number; readonly kernel?: number; readonly code: string; readonly envVars: Record<string, string> }
  | { readonly op: 'abort'; readonly id: number; readonly kernel?: number }
  | { readonly op: 'evict'; readonly id: number; readonly kernel?: number; readonly why: string };

export type HarnessReply =
  | { readonly id: number; readonly kind: 'stdout' | 'stderr'; readonly text: string }
  | { readonly id: number; readonly kind: 'result'; readonly bundle: Record<string, unknown>; readonly isMainResult: boolean }
  | { readonly id: number; readonly kind: 'error'; readonly name: string; readonly value: string; readonly traceback: string }
  | { readonly id: number; readonly kind: 'done'; readonly executionCount?: number; readonly rssKiB?: number; readonly pid?: number }
  | { readonly id: number; readonly kind: 'failed'; readonly errorName: string; readonly message: string };

const factories = { python: createPythonKernel, r: createRKernel, java: createJavaKernel } as const;

function main(): void {
  const [language, cwd, mode] = process.argv.slice(2);
  if (!language || !(language in factories) || !cwd) throw new Error(`usage: harness.mjs <${Object.keys(factories).join('|')}> <cwd>`);
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const user = new UserDirectory().resolve('user');
  const launcher = new ProcessLauncher('/opt/codebox/sandbox-exec', logger);
  const options: KernelOptions = {
    cwd,
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: user.home, USER: user.name },
  };
  const kernelsDir = '/opt/codebox/kernels';
  const host: KernelHost = {
    launcher,
    user,
    kernelsDir,
    nodePath: process.execPath,
    logger,
    ...(mode === 'fork' ? { pythonZygote: new PythonZygote({ launcher, user, kernelsDir, cwd: user.home, env: options.env, logger }) } : {}),
  };
  const kernels = new Map<number, Kernel>();
  const kernelOf = (index = 0): Kernel => {
    let kernel = kernels.get(index);
    if (!kernel) {
      kernel = factories[language as keyof typeof factories](host, options);
      kernels.set(index, kernel);
    }
    return kernel;
  };
  const aborts = new Map<number, AbortController>();
  const reply = (message: HarnessReply): void => {
    process.stdout.write(`${JSON.stringify(message)}\n`);
  };
  const fail = (id: number, error: unknown): void => {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    reply({ id, kind: 'failed', errorName: name, message });
  };

  createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
    const request = JSON.parse(line) as HarnessRequest;
    const { id } = request;
    switch (request.op) {
      case 'execute': {
        const controller = new AbortController();
        aborts.set(id, controller);
        kernelOf(request.kernel)
          .execute(
            { code: request.code, envVars: request.envVars, signal: controller.signal },
            {
              stdout: (text) => reply({ id, kind: 'stdout', text }),
              stderr: (text) => reply({ id, kind: 'stderr', text }),
              result: (bundle, isMainResult) => reply({ id, kind: 'result', bundle: { ...bundle }, isMainResult }),
              error: (error) => reply({ id, kind: 'error', ...error }),
            },
          )
          .then(
            (outcome) => reply({ id, kind: 'done', executionCount: outcome.executionCount }),
            (error: unknown) => fail(id, error),
          )
          .finally(() => aborts.delete(id));
        break;
      }
      case 'evict':
        void (kernelOf(request.kernel).evict?.(request.why) ?? Promise.resolve(false)).then(
          (evicted) => reply({ id, kind: 'done', executionCount: evicted ? 1 : 0 }),
          (error: unknown) => fail(id, error),
        );
        break;
      case 'abort':
        aborts.get(id)?.abort();
        break;
      case 'memory': {
        const pid = (kernelOf(request.kernel) as { readonly pid?: number }).pid;
        const status = pid === undefined ? '' : readFileSync(`/proc/${pid}/status`, 'utf8');
        const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
        reply({ id, kind: 'done', rssKiB, ...(pid === undefined ? {} : { pid }) });
        break;
      }
      default:
        kernelOf(request.kernel)[request.op]().then(
          () => reply({ id, kind: 'done' }),
          (error: unknown) => fail(id, error),
        );
    }
  });
}

main();
