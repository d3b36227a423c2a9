// Test support: runs one execution on a `Kernel` and records what reached its sink, with the
// time each piece arrived (for streaming assertions).
import type { ExecuteOutcome, ExecutionErrorInfo, Kernel, MimeBundle } from '../interpreter/kernel.js';

export interface Recording {
  readonly stdout: string;
  readonly stderr: string;
  readonly results: { readonly bundle: MimeBundle; readonly isMainResult: boolean }[];
  readonly errors: ExecutionErrorInfo[];
  /** Every stdout chunk with the ms timestamp it arrived at. */
  readonly stdoutChunks: { readonly text: string; readonly at: number }[];
  /** The events in arrival order, as `kind` or `kind:text` for output. */
  readonly order: string[];
  readonly outcome?: ExecuteOutcome;
  /** Set when `execute` rejected. */
  readonly failure?: Error;
  readonly ms: number;
}

export interface RecordOptions {
  readonly envVars?: Record<string, string>;
  /** Aborts the execution's signal after this many ms (a caller's timeout). */
  readonly abortAfterMs?: number;
}

export async function record(kernel: Kernel, code: string, options: RecordOptions = {}): Promise<Recording> {
  const controller = new AbortController();
  const timer = options.abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), options.abortAfterMs);
  const recording = {
    stdout: '',
    stderr: '',
    results: [] as Recording['results'],
    errors: [] as ExecutionErrorInfo[],
    stdoutChunks: [] as Recording['stdoutChunks'],
    order: [] as string[],
  };
  const started = Date.now();
  try {
    const outcome = await kernel.execute(
      { code, envVars: options.envVars ?? {}, signal: controller.signal },
      {
        stdout(text) {
          recording.stdout += text;
          recording.stdoutChunks.push({ text, at: Date.now() });
          recording.order.push(`stdout:${text}`);
        },
        stderr(text) {
          recording.stderr += text;
          recording.order.push(`stderr:${text}`);
        },
        result(bundle, isMainResult) {
          recording.results.push({ bundle, isMainResult });
          recording.order.push(isMainResult ? 'main-result' : 'result');
        },
        error(error) {
          recording.errors.push(error);
          recording.order.push('error');
        },
      },
    );
    return { ...recording, outcome, ms: Date.now() - started };
  } catch (error) {
    return { ...recording, failure: error as Error, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** When the line containing `marker` arrived, or throws. */
export function arrivalOf(recording: Recording, marker: string): number {
  let seen = '';
  for (const chunk of recording.stdoutChunks) {
    seen += chunk.text;
    if (seen.includes(marker)) return chunk.at;
  }
  throw new Error(`'${marker}' never arrived; stdout was ${JSON.stringify(recording.stdout)}`);
}
