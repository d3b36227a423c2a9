import { join } from 'node:path';
import type { ExecutionSink, KernelOptions } from '../kernel.js';
import type { KernelHost } from '../kernel-factories.js';
import { FencedBridgeKernel } from './fenced-bridge-kernel.js';
import type { BridgeMessage } from './fenced-wire.js';

/** The error a cell whose last command failed reports; `value` is the exit status. */
export const EXIT_CODE_ERROR_NAME = 'ExitCode';

/**
 * Bash: one persistent `bash` per context running `kernels/bash/bridge.sh`, which evaluates
 * each cell in the shell itself, so `cd`, variables, functions and aliases persist. A cell
 * whose last command exits non-zero reports an `ExitCode` error (value: the status), as
 * Jupyter's bash kernel reports failed cells; an interrupted cell reports `KeyboardInterrupt`.
 */
export class BashKernel extends FencedBridgeKernel {
  readonly language = 'bash' as const;

  constructor(host: KernelHost, options: KernelOptions) {
    super(host, options);
  }

  protected command(): { cmd: string; args: string[] } {
    // --noprofile/--norc: the cell environment is the context's, not whatever dotfiles say.
    return { cmd: '/bin/bash', args: ['--noprofile', '--norc', join(this.host.kernelsDir, 'bash', 'bridge.sh')] };
  }

  protected encodeRequest(nonce: string, code: string, envVars: Readonly<Record<string, string>>): Buffer {
    const pairs = Object.entries(envVars).map(([name, value]) => `${name}=${value}`);
    // Bash strings cannot hold NUL, which is why it separates the fields; the service refuses
    // code and env vars that contain one.
    return Buffer.from([nonce, String(pairs.length), ...pairs, code].map((field) => `${field}\0`).join(''));
  }

  protected reportDone(message: BridgeMessage, sink: ExecutionSink): void {
    const exitCode = typeof message.exit_code === 'number' ? message.exit_code : -1;
    if (message.interrupted === true) {
      sink.error({ name: 'KeyboardInterrupt', value: 'the execution was interrupted', traceback: '' });
    } else if (exitCode !== 0) {
      sink.error({ name: EXIT_CODE_ERROR_NAME, value: String(exitCode), traceback: `the cell's last command exited with status ${exitCode}` });
    }
  }
}
