import { join } from 'node:path';
import type { Kernel, KernelOptions } from '../kernel.js';
import type { KernelHost } from '../kernel-factories.js';
import { EventBridgeKernel, type EventBridgeSpec } from './event-bridge-kernel.js';

/**
 * Java on the jdk.jshell API (`kernels/java/Bridge.java`, compiled in memory by the source
 * launcher at start, about a second): jshell state across cells, and a cell that declares a
 * class with `static void main` has that main run.
 */
export function createJavaKernel(host: KernelHost, options: KernelOptions): Kernel {
  const spec: EventBridgeSpec = {
    language: 'java',
    command: {
      cmd: 'java',
      args: [
        // Per-execution env vars: the bridge edits the JVM's copy of the environment
        // (reflection) and the process's own (libc setenv through the FFM API, preview in 21).
        '--add-opens=java.base/java.lang=ALL-UNNAMED',
        '--add-opens=java.base/java.util=ALL-UNNAMED',
        // It moves its command channel off fd 0, which takes FileDescriptor's number.
        '--add-opens=java.base/java.io=ALL-UNNAMED',
        '--enable-preview',
        '--source=21',
        '--enable-native-access=ALL-UNNAMED',
        // Lets the bridge turn System.exit into the end of a cell instead of the kernel's.
        '-Djava.security.manager=allow',
        // One core per sandbox: the serial collector has the smallest footprint there. C1 only:
        // snippets are short-lived, and C2's own memory is about 30 MiB of the kernel's RSS.
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Dfile.encoding=UTF-8',
        '-Dstdout.encoding=UTF-8',
        join(host.kernelsDir, 'java', 'Bridge.java'),
        // Which env vars are the sandbox's: the bridge makes them system properties too.
        JSON.stringify(options.sandboxEnvNames ?? []),
      ],
    },
    channel: 'stdout',
    interrupt: 'command',
    // As IJava (E2B's Java kernel): each flush of System.out is one chunk, so println("x") is `x`
    // then `\n` (the bridge's PrintStream prints the text and the newline as two writes).
    outputFraming: 'as-written',
    startTimeoutMs: 60_000,
  };
  return new EventBridgeKernel(spec, host, options);
}
