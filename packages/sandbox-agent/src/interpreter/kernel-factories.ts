import type { Logger } from 'pino';
import type { ProcessLauncher } from '../services/process-launcher.js';
import type { SandboxUser } from '../services/user-directory.js';
import type { Kernel, KernelLanguage, KernelOptions } from './kernel.js';
import type { KernelMemory } from './memory/kernel-memory.js';
import { BashKernel } from './kernels/bash-kernel.js';
import { createJavaKernel } from './kernels/java-kernel.js';
import { JavaScriptKernel } from './kernels/javascript-kernel.js';
import { createPythonKernel } from './kernels/python-kernel.js';
import type { PythonZygote } from './kernels/python-zygote.js';
import { createRKernel } from './kernels/r-kernel.js';

/** What the interpreter service gives every kernel it creates, besides its context's options. */
export interface KernelHost {
  /** Starts kernel processes with the same hardening as commands (`launchPiped`). */
  readonly launcher: ProcessLauncher;
  /** The user kernels run as. */
  readonly user: SandboxUser;
  /** `dist/kernels` of the agent package (`/opt/codebox/kernels`): bridge scripts. */
  readonly kernelsDir: string;
  /** The agent's own Node runtime, which JavaScript kernels run on. */
  readonly nodePath: string;
  readonly logger: Logger;
  /** The sandbox's kernels and their memory, shared by all of them (out-of-memory reports). */
  readonly memory?: KernelMemory;
  /** When present, Python kernels are forked from it (preloaded, copy-on-write) instead of started. */
  readonly pythonZygote?: PythonZygote;
}

export type KernelFactory = (host: KernelHost, options: KernelOptions) => Kernel;
export type KernelFactories = Partial<Record<KernelLanguage, KernelFactory>>;

/**
 * The kernels this agent can run, by language. Each kernel module adds its line here; a
 * language without one is answered with a clear "not available" error.
 */
export function builtInKernelFactories(): KernelFactories {
  return {
    python: createPythonKernel,
    r: createRKernel,
    java: createJavaKernel,
    bash: (host, options) => new BashKernel(host, options),
    javascript: (host, options) => new JavaScriptKernel('javascript', host, options),
    typescript: (host, options) => new JavaScriptKernel('typescript', host, options),
  };
}
