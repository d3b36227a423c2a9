import { join } from 'node:path';
import type { ExecuteOutcome, ExecuteRequest, ExecutionSink, KernelOptions, MimeBundle } from '../kernel.js';
import type { KernelHost } from '../kernel-factories.js';
import { FencedBridgeKernel } from './fenced-bridge-kernel.js';
import type { BridgeMessage } from './fenced-wire.js';
import { CellSyntaxError, compileCell } from './javascript-cell.js';

/**
 * JavaScript and TypeScript: a persistent Node process per context on the agent's own Node
 * runtime, running `kernels/javascript/bridge.mjs`. Cells are compiled here (TypeScript types
 * stripped, declarations made global, imports turned into `await import`) and run in the
 * bridge's global context; the last expression's value is the main result, shown as
 * `util.inspect` shows it.
 */
export class JavaScriptKernel extends FencedBridgeKernel {
  constructor(
    readonly language: 'javascript' | 'typescript',
    host: KernelHost,
    options: KernelOptions,
  ) {
    super(host, options);
  }

  override async execute(request: ExecuteRequest, sink: ExecutionSink): Promise<ExecuteOutcome> {
    let code: string;
    try {
      code = compileCell(request.code, this.language);
    } catch (error) {
      if (!(error instanceof CellSyntaxError)) throw error;
      sink.error({ name: error.name, value: error.message, traceback: `${error.name}: ${error.message}` });
      return this.countRejectedExecution();
    }
    return super.execute({ ...request, code }, sink);
  }

  protected command(): { cmd: string; args: string[] } {
    return {
      cmd: this.host.nodePath,
      // The bridge uses vm's main-context loader for import(), an experimental API whose
      // warning would otherwise land in the first cell's stderr.
      args: ['--disable-warning=ExperimentalWarning', join(this.host.kernelsDir, 'javascript', 'bridge.mjs')],
    };
  }

  protected encodeRequest(nonce: string, code: string, envVars: Readonly<Record<string, string>>): Buffer {
    return Buffer.from(`${JSON.stringify({ type: 'execute', nonce, code, env: envVars })}\n`);
  }

  protected reportDone(message: BridgeMessage, sink: ExecutionSink): void {
    if (isBundle(message.result)) sink.result(message.result, true);
    const error = message.error;
    if (typeof error === 'object' && error !== null) {
      const { name, value, traceback } = error as Record<string, unknown>;
      sink.error({ name: String(name), value: String(value), traceback: String(traceback) });
    }
  }
}

function isBundle(value: unknown): value is MimeBundle {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
