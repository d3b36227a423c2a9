import { z } from 'zod';

/**
 * The code interpreter's wire (sandbox port 49999), as E2B's code-interpreter server speaks it:
 * `POST /execute` answers one JSON object per `\n`-terminated line; `/contexts` is plain JSON.
 * Both official SDKs ignore line types they do not know, so additions here must be new types.
 */

export const executeRequestSchema = z.object({
  code: z.string(),
  context_id: z.string().nullish(),
  language: z.string().nullish(),
  env_vars: z.record(z.string(), z.string()).nullish(),
});
export type ExecuteRequestBody = z.infer<typeof executeRequestSchema>;

const timestamped = { text: z.string(), timestamp: z.string().optional() };

export const stdoutLineSchema = z.object({ type: z.literal('stdout'), ...timestamped });
export const stderrLineSchema = z.object({ type: z.literal('stderr'), ...timestamped });

/**
 * A result: the MIME bundle mapped to short keys (`text/plain` → `text`, `image/png` → `png`
 * as base64, …); MIME types without a short key go in `extra`. Absent formats are omitted.
 */
export const resultLineSchema = z.object({
  type: z.literal('result'),
  text: z.string().optional(),
  html: z.string().optional(),
  markdown: z.string().optional(),
  svg: z.string().optional(),
  png: z.string().optional(),
  jpeg: z.string().optional(),
  pdf: z.string().optional(),
  latex: z.string().optional(),
  json: z.record(z.string(), z.unknown()).optional(),
  javascript: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  chart: z.record(z.string(), z.unknown()).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
  is_main_result: z.boolean(),
});

export const errorLineSchema = z.object({
  type: z.literal('error'),
  name: z.string(),
  value: z.string(),
  traceback: z.string(),
});

export const numberOfExecutionsLineSchema = z.object({
  type: z.literal('number_of_executions'),
  execution_count: z.number().int(),
});

export const keepaliveLineSchema = z.object({ type: z.literal('keepalive') });
export const endOfExecutionLineSchema = z.object({ type: z.literal('end_of_execution') });

export const executeLineSchema = z.discriminatedUnion('type', [
  stdoutLineSchema,
  stderrLineSchema,
  resultLineSchema,
  errorLineSchema,
  numberOfExecutionsLineSchema,
  keepaliveLineSchema,
  endOfExecutionLineSchema,
]);
export type ExecuteLine = z.infer<typeof executeLineSchema>;
export type ResultLine = z.infer<typeof resultLineSchema>;
export type ErrorLine = z.infer<typeof errorLineSchema>;

/** `POST /contexts`: both fields optional (`python`, `/home/user`). */
export const createContextRequestSchema = z.object({
  language: z.string().nullish(),
  cwd: z.string().nullish(),
});
export type CreateContextRequestBody = z.infer<typeof createContextRequestSchema>;

export const contextSchema = z.object({ id: z.string(), language: z.string(), cwd: z.string() });
export type ContextBody = z.infer<typeof contextSchema>;

export const contextListSchema = z.array(contextSchema);

/**
 * Jupyter MIME types and the short keys a result line carries them under. Anything else is
 * passed through in `extra` under its MIME type.
 */
export const RESULT_MIME_KEYS: Readonly<Record<string, keyof ResultLine>> = {
  'text/plain': 'text',
  'text/html': 'html',
  'text/markdown': 'markdown',
  'image/svg+xml': 'svg',
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'application/pdf': 'pdf',
  'text/latex': 'latex',
  'application/json': 'json',
  'application/javascript': 'javascript',
  'e2b/data': 'data',
  'e2b/chart': 'chart',
};

/**
 * Names of the `/execute` error events that mean the kernel failed, not the code: stable, so
 * clients can tell them apart (the official SDK shows them as an `ExecutionError` of that name).
 * `died`: the kernel process ended during the execution or since the previous one (state lost;
 * the next execution gets a fresh kernel). `outOfMemory`: the same, killed by the OOM killer at the
 * sandbox's memory limit. `start`: the kernel could not be started. `crashLoop`: the kernel died
 * or failed to start too often in a short time; the context stops trying until it is restarted
 * or deleted, and every execution fails fast with this error.
 */
export const KERNEL_ERROR_NAMES = {
  died: 'KernelDiedError',
  outOfMemory: 'KernelOutOfMemoryError',
  start: 'KernelStartError',
  crashLoop: 'KernelCrashLoopError',
  evicted: 'KernelEvictedError',
} as const;
export type KernelErrorName = (typeof KERNEL_ERROR_NAMES)[keyof typeof KERNEL_ERROR_NAMES];

/** `POST /contexts` answers this status, with a reason phrase and a plain-text body naming the limit, past the sandbox's context cap. */
export const CONTEXT_LIMIT_STATUS = 429;
