import { z } from 'zod';

/**
 * Control-plane bodies of an existing sandbox's lifecycle (`rest.ts` has create, list and
 * templates): connect (e2b ≥2.x calls `POST /v2/sandboxes/{id}/connect`, older SDKs the v1 path)
 * and the legacy refresh.
 */

/** `timeout` is optional: the SDK omits it when the caller passed no `timeoutMs`. */
export const connectSandboxSchema = z.object({
  timeout: z.number().int().nonnegative().optional(),
  /** `false` asks to resume a paused sandbox without its memory; meaningless for running sandboxes. */
  memory: z.boolean().optional(),
});
export type ConnectSandboxBody = z.infer<typeof connectSandboxSchema>;

/** Legacy keep-alive: extend the sandbox's life to `duration` seconds from now (never shortens). */
export const refreshSandboxSchema = z.object({
  duration: z.number().int().min(0).max(3600).optional(),
});
export type RefreshSandboxBody = z.infer<typeof refreshSandboxSchema>;
