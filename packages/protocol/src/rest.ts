import { z } from 'zod';

/** Control-plane REST bodies, as the E2B OpenAPI spec names them. */

export const errorBodySchema = z.object({ code: z.number().int(), message: z.string() });
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const newSandboxSchema = z.object({
  templateID: z.string().min(1),
  timeout: z.number().int().nonnegative().optional(),
  autoPause: z.boolean().optional(),
  secure: z.boolean().optional(),
  allow_internet_access: z.boolean().optional(),
  /** E2B's network options; the runner answers 400 for the parts it does not implement (`network-options.ts`). */
  network: z.record(z.string(), z.unknown()).nullable().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  envVars: z.record(z.string(), z.string()).optional(),
  /** E2B's `[{name, path}]`; the runner checks each entry (`api/volume-mounts.ts`) and answers 400/404 by name. */
  volumeMounts: z.unknown().optional(),
});
export type NewSandbox = z.infer<typeof newSandboxSchema>;

export const sandboxSchema = z.object({
  templateID: z.string(),
  sandboxID: z.string(),
  alias: z.string().optional(),
  clientID: z.string(),
  envdVersion: z.string(),
  envdAccessToken: z.string().optional(),
  trafficAccessToken: z.string().nullable().optional(),
  domain: z.string().nullable().optional(),
});
export type SandboxResponse = z.infer<typeof sandboxSchema>;

export const sandboxStateSchema = z.enum(['running', 'paused']);
export type SandboxState = z.infer<typeof sandboxStateSchema>;

export const listedSandboxSchema = z.object({
  templateID: z.string(),
  alias: z.string().optional(),
  sandboxID: z.string(),
  clientID: z.string(),
  startedAt: z.string(),
  endAt: z.string(),
  cpuCount: z.number().int(),
  memoryMB: z.number().int(),
  diskSizeMB: z.number().int(),
  metadata: z.record(z.string(), z.string()).optional(),
  state: sandboxStateSchema,
  envdVersion: z.string(),
  /** Codebox extension: the isolation level (`runc`, or `runsc` for gVisor). E2B's SDKs ignore it. */
  runtime: z.enum(['runc', 'runsc']).optional(),
  /** Named volumes mounted at create (E2B's `SandboxVolumeMount`). */
  volumeMounts: z.array(z.object({ name: z.string(), path: z.string() })).optional(),
});
export type ListedSandbox = z.infer<typeof listedSandboxSchema>;

export const sandboxDetailSchema = listedSandboxSchema.extend({
  envdAccessToken: z.string().optional(),
  allowInternetAccess: z.boolean().optional(),
  network: z.object({ allowPublicTraffic: z.boolean().optional() }).optional(),
  domain: z.string().nullable().optional(),
});
export type SandboxDetail = z.infer<typeof sandboxDetailSchema>;

export const timeoutBodySchema = z.object({ timeout: z.number().int().nonnegative() });
export type TimeoutBody = z.infer<typeof timeoutBodySchema>;

export const templateSchema = z.object({
  templateID: z.string(),
  aliases: z.array(z.string()),
  public: z.boolean(),
  buildStatus: z.enum(['building', 'ready', 'error']),
  createdAt: z.string(),
  cpuCount: z.number().int(),
  memoryMB: z.number().int(),
  diskSizeMB: z.number().int(),
  envdVersion: z.string(),
});
export type TemplateInfo = z.infer<typeof templateSchema>;
