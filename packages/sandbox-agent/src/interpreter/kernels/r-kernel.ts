import { join } from 'node:path';
import type { Kernel, KernelOptions } from '../kernel.js';
import type { KernelHost } from '../kernel-factories.js';
import { EventBridgeKernel, type EventBridgeSpec } from './event-bridge-kernel.js';

/**
 * R driven by `kernels/r/bridge.R` with evaluate + repr + IRdisplay, as IRkernel drives it:
 * values come back as text/html/markdown/latex/plain bundles and plots as image/png. R cannot
 * use an inherited descriptor by number, so its events share stdout with the output of
 * subprocesses (`system()`), its commands move from stdin to fd 3 (read through a relay, see
 * the bridge) so that stdin can be /dev/null, and an interrupt is a real SIGINT.
 */
export function createRKernel(host: KernelHost, options: KernelOptions): Kernel {
  const spec: EventBridgeSpec = {
    language: 'r',
    command: {
      cmd: '/bin/sh',
      args: ['-c', 'exec Rscript --no-save --no-restore "$0" 3<&0 </dev/null', join(host.kernelsDir, 'r', 'bridge.R')],
    },
    channel: 'stdout',
    interrupt: 'signal',
    startTimeoutMs: 30_000,
  };
  return new EventBridgeKernel(spec, host, options);
}
