import {
  CODE_INTERPRETER_PORT,
  CONTEXT_LIMIT_STATUS,
  contextListSchema,
  contextSchema,
  type CodeLanguage,
  type CodeLanguageWireAlias,
} from '@codebox/protocol';
import type { ConnectionConfig } from '../connection-config.js';
import { envdHttpError, type HttpErrorOverrides } from '../envd/envd-http-error.js';
import { InvalidArgumentError, SandboxError, TimeoutError } from '../errors.js';
import { brokenStreamError, ExecuteStreamBroken } from './broken-stream.js';
import { applyExecuteLine, type ExecutionCallbacks } from './execute-line.js';
import { Execution } from './execution.js';
import { CodeContextLimitError } from './kernel-errors.js';

/** Languages with a kernel in `code-interpreter-v1` and the wire's aliases; any other string is passed through. */
export type RunCodeLanguage = CodeLanguage | CodeLanguageWireAlias;

/** A code context: its own kernel state and working directory. */
export interface Context {
  readonly id: string;
  readonly language: string;
  readonly cwd: string;
}

export const DEFAULT_RUN_CODE_TIMEOUT_MS = 60_000;

/** Options of `runCode()`, as `@e2b/code-interpreter` names them. */
export interface RunCodeOpts extends ExecutionCallbacks {
  /**
   * Language of the default context to run in (`python` when neither this nor `context` is
   * given). Pass `language` or `context`, not both.
   */
  language?: RunCodeLanguage | (string & {});
  /** Context to run in (from `createCodeContext()`). */
  context?: Context;
  /** Environment variables for this execution only. */
  envs?: Record<string, string>;
  /**
   * Time limit for the whole execution in **milliseconds**; when it fires the execution is
   * interrupted (the context keeps its state). `0` disables it.
   * @default 60_000
   */
  timeoutMs?: number;
  /** Time limit until the response starts, in **milliseconds**. @default the connection's */
  requestTimeoutMs?: number;
  /**
   * Aborts the execution (a Codebox extension): the connection closes, which makes the
   * interpreter interrupt the code (the context keeps its state), and `runCode` rejects with
   * the signal's reason.
   */
  signal?: AbortSignal;
}

export interface CreateCodeContextOpts {
  /** Working directory of the context. @default '/home/user' */
  cwd?: string;
  /** @default 'python' */
  language?: RunCodeLanguage | (string & {});
  requestTimeoutMs?: number;
}

/** `fetch` to a port inside the sandbox, through the gateway, with routing and access headers. */
export type ServiceFetch = (port: number, path: string, init: RequestInit & { requestTimeoutMs?: number }) => Promise<Response>;

/** Whether the sandbox still answers its health check (`Sandbox.isRunning`). */
export type HealthProbe = () => Promise<boolean>;

/**
 * The code-interpreter calls of a sandbox (port 49999): `/execute` and `/contexts`. The
 * sandbox's own methods delegate here.
 */
export class CodeInterpreter {
  constructor(
    private readonly fetchService: ServiceFetch,
    private readonly config: ConnectionConfig,
    private readonly isRunning: HealthProbe,
  ) {}

  async runCode(code: string, opts: RunCodeOpts = {}): Promise<Execution> {
    if (opts.context && opts.language) {
      throw new InvalidArgumentError('You can provide context or language, but not both at the same time.');
    }
    opts.signal?.throwIfAborted();
    const controller = new AbortController();
    // The caller's abort and the timeouts share one controller: whichever fires closes the connection.
    const onAbort = (): void => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.execute(code, opts, controller);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async execute(code: string, opts: RunCodeOpts, controller: AbortController): Promise<Execution> {
    const requestTimeoutMs = opts.requestTimeoutMs ?? this.config.requestTimeoutMs;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_RUN_CODE_TIMEOUT_MS;
    const requestTimer = requestTimeoutMs
      ? setTimeout(() => controller.abort(new DOMException('request timed out', 'TimeoutError')), requestTimeoutMs)
      : undefined;
    let response: Response;
    try {
      response = await this.fetchService(CODE_INTERPRETER_PORT, '/execute', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, context_id: opts.context?.id, language: opts.language, env_vars: opts.envs }),
        signal: controller.signal,
        requestTimeoutMs,
      });
    } finally {
      clearTimeout(requestTimer);
    }
    // 429: the language's default context would be one past the sandbox's cap.
    const error = await envdHttpError(response, { [CONTEXT_LIMIT_STATUS]: (message) => new CodeContextLimitError(message) });
    if (error) throw error;
    if (!response.body) throw new SandboxError(`the code interpreter answered ${response.status} without a body`);

    // Aborting the body read closes the connection, which is what makes the agent interrupt.
    const executionTimer = timeoutMs ? setTimeout(() => controller.abort(), timeoutMs) : undefined;
    const execution = new Execution();
    try {
      for await (const line of ndjsonLines(response.body)) await applyExecuteLine(execution, line, opts);
    } catch (err) {
      if (controller.signal.aborted) {
        throw new TimeoutError(
          `Execution timed out after ${timeoutMs} ms — the 'timeoutMs' option can be used to increase this timeout; the execution was interrupted and the context keeps its state.`,
          { cause: err },
        );
      }
      if (err instanceof ExecuteStreamBroken) throw await brokenStreamError(err, this.isRunning);
      // A callback's own error: passed through as it is.
      throw err;
    } finally {
      clearTimeout(executionTimer);
    }
    return execution;
  }

  async createCodeContext(opts: CreateCodeContextOpts = {}): Promise<Context> {
    const response = await this.call('/contexts', 'POST', opts.requestTimeoutMs, { language: opts.language, cwd: opts.cwd }, {
      [CONTEXT_LIMIT_STATUS]: (message) => new CodeContextLimitError(message),
    });
    return contextSchema.parse(await response.json());
  }

  async listCodeContexts(): Promise<Context[]> {
    const response = await this.call('/contexts', 'GET');
    return contextListSchema.parse(await response.json());
  }

  async restartCodeContext(context: Context | string): Promise<void> {
    const response = await this.call(`/contexts/${encodeURIComponent(idOf(context))}/restart`, 'POST');
    await response.body?.cancel();
  }

  async removeCodeContext(context: Context | string): Promise<void> {
    const response = await this.call(`/contexts/${encodeURIComponent(idOf(context))}`, 'DELETE');
    await response.body?.cancel();
  }

  private async call(path: string, method: string, requestTimeoutMs?: number, body?: unknown, errors: HttpErrorOverrides = {}): Promise<Response> {
    const signal = this.config.getSignal(requestTimeoutMs);
    const response = await this.fetchService(CODE_INTERPRETER_PORT, path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
      ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
    });
    const error = await envdHttpError(response, errors);
    if (error) throw error;
    return response;
  }
}

function idOf(context: Context | string): string {
  return typeof context === 'string' ? context : context.id;
}

/**
 * The `\n`-terminated lines of a response body (a last line without `\n` included). A failed
 * read throws `ExecuteStreamBroken`; a consumer that stops early ends the generator through
 * `return()`, which skips the `catch`, so its own errors never get that name.
 */
async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of body) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim()) yield line;
      }
    }
  } catch (err) {
    throw new ExecuteStreamBroken('the /execute response stream broke', { cause: err });
  }
  buffered += decoder.decode();
  if (buffered.trim()) yield buffered;
}
