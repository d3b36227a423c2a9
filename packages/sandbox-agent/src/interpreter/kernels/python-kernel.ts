import { join } from 'node:path';
import type { Kernel, KernelOptions } from '../kernel.js';
import type { KernelHost } from '../kernel-factories.js';
import { EventBridgeKernel, type EventBridgeSpec } from './event-bridge-kernel.js';
import type { KernelChild } from './kernel-child.js';
import type { PythonZygote } from './python-zygote.js';

/**
 * Python on IPython's InteractiveShell, driven in-process by `kernels/python/bridge.py`: the
 * shell's own display formatter, display hook and traceback text, matplotlib's inline backend.
 * With a zygote on the host, the bridge is forked from it instead of started.
 */
export function createPythonKernel(host: KernelHost, options: KernelOptions): Kernel {
  const zygote = host.pythonZygote;
  const startTimeoutMs = 30_000;
  const spec: EventBridgeSpec = {
    language: 'python',
    // No -u: the bridge turns sys.stdout/stderr into unbuffered event streams itself.
    command: { cmd: 'python3', args: [join(host.kernelsDir, 'python', 'bridge.py')] },
    channel: 'fd3',
    interrupt: 'command',
    // About 0.3 s when warm; importing IPython from a cold page cache on a busy host is slower.
    startTimeoutMs,
    // Forked from the sandbox's preloaded parent when it has one: the same bridge, user, cwd and
    // environment, its own process group, ready in tens of milliseconds (see python-zygote.ts).
    // An on-demand parent (under gVisor) forks only kernels started beside a running one.
    ...(zygote ? { spawn: (direct: () => KernelChild | Promise<KernelChild>) => (zygote.forks() ? forkFrom(zygote) : zygote.startedDirectly(direct())) } : {}),
  };
  const kernel = new EventBridgeKernel(spec, host, options);
  async function forkFrom(parent: PythonZygote): Promise<KernelChild> {
    const child = await parent.fork({ cwd: options.cwd, env: { ...options.env }, timeoutMs: startTimeoutMs });
    // Forked before the data stack was loaded (the default kernel, at agent start, so the first
    // runCode need not wait for pandas): once it is, an unused kernel is forked again to share it.
    if (!child.preloaded) void parent.fullyLoaded().then(() => kernel.replaceIfUnused(child));
    return child;
  }
  return kernel;
}
