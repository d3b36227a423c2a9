import { z } from 'zod';

/** Control-plane REST bodies, as the E2B OpenAPI spec names them. */

export const errorBodySchema = z.object({ code: z.number().int(), message: z.string() });
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** E2B's `egressProxy`: a SOCKS5 upstream; RFC 1929 limits credentials to 255 bytes each. */
const socksCredential = z.string().refine((value) => new TextEncoder().encode(value).length <= 255, 'must be at most 255 bytes');
export const egressProxySchema = z.strictObject({
  address: z.string().min(1),
  username: socksCredential.optional(),
  password: socksCredential.optional(),
});

/** Per-domain transform rules (E2B's `SandboxNetworkRule`). */
export const networkRulesSchema = z.record(
  z.string(),
  z.array(z.strictObject({ transform: z.strictObject({ headers: z.record(z.string(), z.string()).optional() }).optional() })),
);

/** The egress part shared by create's `network` and `PUT /sandboxes/{id}/network`. */
const egressFields = {
  allowOut: z.array(z.string()).optional(),
  denyOut: z.array(z.string()).optional(),
  rules: networkRulesSchema.optional(),
  egressProxy: egressProxySchema.nullable().optional(),
};

/**
 * E2B's `SandboxNetworkConfig`. Strict: a field this runner does not know (e.g. the SDK's
 * `httpsPorts`) is a 400 naming it, never silently dropped. The runner parses the values
 * (`egress/parse-network.ts`).
 */
export const sandboxNetworkSchema = z.strictObject({
  ...egressFields,
  allowPublicTraffic: z.boolean().optional(),
  maskRequestHost: z.string().optional(),
});
export type SandboxNetwork = z.infer<typeof sandboxNetworkSchema>;

/** E2B's `SandboxNetworkUpdateConfig`: omitted fields are cleared. */
export const sandboxNetworkUpdateSchema = z.strictObject({
  ...egressFields,
  allow_internet_access: z.boolean().optional(),
});
export type SandboxNetworkUpdate = z.infer<typeof sandboxNetworkUpdateSchema>;

/**
 * E2B's `NewSandbox`, strict: every field the current SDKs send is listed, and the runner either
 * honours it or refuses it with a 400 naming it; unknown fields are refused by name.
 */
export const newSandboxSchema = z.strictObject({
  templateID: z.string().min(1),
  timeout: z.number().int().nonnegative().optional(),
  autoPause: z.boolean().optional(),
  /** Only meaningful with `autoPause: true` (refused), so any value is honoured as "no pause". */
  autoPauseMemory: z.boolean().optional(),
  autoResume: z.strictObject({ enabled: z.boolean() }).nullable().optional(),
  secure: z.boolean().optional(),
  allow_internet_access: z.boolean().optional(),
  network: sandboxNetworkSchema.nullable().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  envVars: z.record(z.string(), z.string()).optional(),
  /** E2B's MCP gateway; the runner refuses a non-null value. */
  mcp: z.unknown().optional(),
  /** E2B's workload identity tokens; the runner refuses a non-empty value. */
  iam: z.unknown().optional(),
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
  /** As E2B reports it: the sandbox's egress rules, without the proxy password. */
  network: z
    .object({
      allowOut: z.array(z.string()).optional(),
      denyOut: z.array(z.string()).optional(),
      rules: networkRulesSchema.optional(),
      egressProxy: z.object({ address: z.string(), username: z.string().optional() }).nullable().optional(),
      allowPublicTraffic: z.boolean().optional(),
      maskRequestHost: z.string().optional(),
    })
    .optional(),
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
