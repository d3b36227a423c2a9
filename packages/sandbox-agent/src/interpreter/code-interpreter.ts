import type { Logger } from 'pino';
import { buildProcessEnv } from '../services/process-env.js';
import type { ProcessLauncher } from '../services/process-launcher.js';
import type { SandboxUser } from '../services/user-directory.js';
import { DEFAULT_EVICTION, InterpreterService } from './interpreter-service.js';
import { ipythonInstalled } from './ipython-installed.js';
import { defaultContextLimit } from './context-limit.js';
import { builtInKernelFactories, type KernelFactories } from './kernel-factories.js';
import { KernelMemory } from './memory/kernel-memory.js';
import { PythonZygote } from './kernels/python-zygote.js';
import type { SandboxMemory } from '../memory/sandbox-memory.js';

export interface CodeInterpreterOptions {
  /** The kernels' runtime files (`dist/kernels`). Default: `kernels/` beside the agent's file (`/opt/codebox/kernels`). */
  readonly kernelsDir?: string;
  /** The Node runtime JavaScript kernels run on. Default: the agent's own (`/opt/codebox/bin/node`). */
  readonly nodePath?: string;
  /** Kernels by language. Default: every kernel built into the agent. */
  readonly factories?: KernelFactories;
  /**
   * Start the default python kernel at once, so the first runCode finds it ready. Default: where
   * IPython is installed (`ipythonInstalled`); elsewhere the kernel could only fail, on the CPU the
   * first command after create needs.
   */
  readonly warmUp?: boolean;
  readonly outputLimitBytes?: number;
  readonly keepaliveMs?: number;
  /** Most code contexts per sandbox (`$CODEBOX_MAX_CODE_CONTEXTS`). Default: from the memory limit (`defaultContextLimit`). */
  readonly maxContexts?: number;
  /**
   * Fork Python kernels from a preloaded parent (`PythonZygote`) instead of starting each one
   * (`$CODEBOX_PYTHON_ZYGOTE=0` turns it off). Default true.
   */
  readonly pythonZygote?: boolean;
  /** Start that parent only for a second concurrent Python kernel (`PythonZygoteOptions.onDemand`; the agent sets it under gVisor). */
  readonly pythonZygoteOnDemand?: boolean;
}

/** The code-interpreter service, with kernels running as `user`; `handlers/interpreter-handler.ts` serves it on port 49999. */
export function createCodeInterpreter(
  options: CodeInterpreterOptions & { readonly kernelsDir: string },
  deps: {
    readonly launcher: ProcessLauncher;
    readonly user: SandboxUser;
    readonly sandboxEnvs: Readonly<Record<string, string>>;
    readonly logger: Logger;
    /** The sandbox's memory limit and OOM kills (the cgroup under runc, the watchdog under gVisor). */
    readonly memory: SandboxMemory;
  },
): InterpreterService {
  const { launcher, user, sandboxEnvs, logger } = deps;
  const memory = new KernelMemory(deps.memory);
  const maxContexts = options.maxContexts ?? defaultContextLimit(deps.memory.limitBytes());
  const { kernelEnv, sandboxEnvNames } = kernelEnvironment(user, sandboxEnvs);
  logger.info({ maxContexts }, 'code interpreter: context limit');
  const factories = options.factories ?? builtInKernelFactories();
  const pythonZygote =
    (options.pythonZygote ?? true) && factories.python
      ? new PythonZygote({
          launcher,
          user,
          kernelsDir: options.kernelsDir,
          cwd: user.home,
          env: { ...kernelEnv, PWD: user.home },
          logger,
          memory,
          onDemand: options.pythonZygoteOnDemand ?? false,
        })
      : undefined;
  const service = new InterpreterService({
    host: {
      launcher,
      user,
      kernelsDir: options.kernelsDir,
      nodePath: options.nodePath ?? process.execPath,
      logger,
      memory,
      ...(pythonZygote ? { pythonZygote } : {}),
    },
    maxContexts,
    factories,
    kernelEnv,
    sandboxEnvNames,
    logger,
    eviction: { memory: deps.memory, ...DEFAULT_EVICTION },
  });
  service.startEviction();
  if (options.warmUp ?? ipythonInstalled()) service.warmUp();
  return service;
}

/** Every kernel's base environment (a user process's, without request envs) and which of its names are the sandbox's env vars. */
export function kernelEnvironment(
  user: SandboxUser,
  sandboxEnvs: Readonly<Record<string, string>>,
): { kernelEnv: Record<string, string>; sandboxEnvNames: string[] } {
  const kernelEnv = buildProcessEnv(user, sandboxEnvs, {});
  return { kernelEnv, sandboxEnvNames: Object.keys(sandboxEnvs).filter((name) => name in kernelEnv) };
}
