import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { API_KEY_PATTERN, MAX_SANDBOX_TIMEOUT_MS } from '@codebox/protocol';
import { parseDnsEndpoint } from './dns/dns-forwarder.js';
import { SANDBOX_DOMAIN_PATTERN } from './gateway/sandbox-domain.js';
import { ipv4Network } from './host/host-networks.js';
import { ROOTFS_SOURCE_SETTINGS } from './templates/rootfs-source.js';
import { SANDBOX_RUNTIMES } from './sandboxes/sandbox-runtime.js';
import { DEFAULT_POOL_SIZES, MAX_POOL_SIZE, parsePoolSizes, PoolSizesError } from './pool/pool-sizes.js';

const MAX_TIMEOUT_SECONDS = MAX_SANDBOX_TIMEOUT_MS / 1000;

function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/codebox' : join(homedir(), '.local', 'share', 'codebox');
}

/**
 * Everything an operator can set. Layers, later wins: defaults, the JSON config file
 * (`--config` / `CODEBOX_CONFIG`), `CODEBOX_*` environment variables, command-line flags.
 * Unknown keys are rejected so a typo does not silently fall back to a default.
 */
export const runnerConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(3000),
  /**
   * The domain sandbox hosts are under, reported as `domain` in create/connect/info: a server on
   * port N of sandbox S is `N-S.<domain>` (the SDKs' `getHost(N)`). Default `localhost:<port>`.
   */
  domain: z.string().regex(SANDBOX_DOMAIN_PATTERN, 'use a lower-case host name, optionally with :port (e.g. sandboxes.example.com or localhost:3000)').optional(),
  /**
   * An HTTPS listener besides the plain one, same handler and limits: for the SDKs' host-name URLs
   * (`https://<port>-<id>.<domain>`, always https) and E2B_DOMAIN-only setups. With it on, the
   * default `domain` is `codebox.localhost:<port>` (README "Reaching a server in the sandbox").
   * The files are PEM, re-read on SIGHUP.
   */
  tls: z
    .strictObject({
      certFile: z.string().min(1),
      keyFile: z.string().min(1),
      port: z.number().int().min(0).max(65535).default(3443),
    })
    .optional(),
  /** Label value separating this runner's containers from another runner's on the same dockerd. */
  runnerName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'use lowercase letters, digits, ".", "_" or "-" (at most 63 characters)')
    .default('default'),
  dataDir: z.string().min(1).default(defaultDataDir),
  /** One tenant per key. Empty: the runner generates a development key at start. */
  apiKeys: z.array(z.string().regex(API_KEY_PATTERN, 'API keys look like e2b_<hex> (the shape the E2B SDK accepts)')).default([]),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  sandbox: z
    .strictObject({
      defaultTimeoutSeconds: z.number().int().positive().max(MAX_TIMEOUT_SECONDS).default(300),
      maxTimeoutSeconds: z.number().int().positive().max(MAX_TIMEOUT_SECONDS).default(MAX_TIMEOUT_SECONDS),
      limits: z
        .strictObject({
          cpuCount: z.number().positive().max(64).default(1),
          memoryMiB: z.number().int().min(64).default(512),
          diskMiB: z.number().int().min(64).default(1024),
          pids: z.number().int().min(16).default(256),
        })
        .prefault({}),
    })
    .prefault({})
    .refine((sandbox) => sandbox.defaultTimeoutSeconds <= sandbox.maxTimeoutSeconds, {
      message: 'defaultTimeoutSeconds must not exceed maxTimeoutSeconds',
      path: ['defaultTimeoutSeconds'],
    }),
  quotas: z
    .strictObject({
      maxSandboxes: z.number().int().positive().default(64),
      maxSandboxesPerTenant: z.number().int().positive().default(16),
    })
    .prefault({}),
  /** Bounds on what one HTTP client can hold of the runner (issue 8, finding 9). */
  http: z
    .strictObject({
      /** Open connections, all clients together; more are dropped at accept. */
      maxConnections: z.number().int().positive().default(4096),
      /** Open connections from one client address; keeps one flooding client from starving the rest. */
      maxConnectionsPerClient: z.number().int().positive().default(512),
      /** Time to send a request's headers; a connection that has not finished them by then is closed (408). */
      headersTimeoutSeconds: z.number().positive().default(20),
      /** A request body upload that sends nothing for this long is cut. Responses (streams) are never timed. */
      bodyIdleTimeoutSeconds: z.number().positive().default(60),
      /** Idle keep-alive connections are closed after this. */
      keepAliveTimeoutSeconds: z.number().positive().default(5),
      maxHeaderBytes: z.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
    })
    .prefault({})
    .refine((http) => http.maxConnectionsPerClient <= http.maxConnections, {
      message: 'maxConnectionsPerClient must not exceed maxConnections',
      path: ['maxConnectionsPerClient'],
    }),
  /**
   * Warm pool: containers started ahead per template name, handed to creates a pooled container can
   * serve exactly (docs/architecture.md, "Warm pool"); 0 turns one template's pool off. Pooled
   * containers count against `quotas.maxSandboxes`. Env `CODEBOX_POOL` / flag `--pool` take
   * `code-interpreter-v1=2,base=1`, merged over the file's entries per template.
   */
  pool: z
    .record(z.string().min(1), z.number().int().min(0).max(MAX_POOL_SIZE))
    .default(() => ({ ...DEFAULT_POOL_SIZES })),
  reconcileIntervalSeconds: z.number().positive().default(30),
  /**
   * How long dockerd may take to answer one request/response call (create, start, inspect, list,
   * remove …) before it fails with DockerTimeoutError (503). Streams (logs, archives, build and
   * import progress), uploads and `wait` are not cut by it; a stream only has to start in time.
   */
  dockerTimeoutSeconds: z.number().positive().default(60),
  /**
   * Host uids given to sandboxes, one each (gid = uid), so per-uid kernel limits (inotify
   * instances, pipe buffers, mqueues, RLIMIT_NPROC) are never shared between sandboxes.
   */
  sandboxUids: z
    .strictObject({
      first: z.number().int().min(65_536).max(4_294_967_294).default(1_000_000_000),
      count: z.number().int().min(1).default(1_000_000),
    })
    .prefault({})
    .refine((uids) => uids.first + uids.count - 1 <= 4_294_967_294, {
      message: 'first + count - 1 must stay below 4294967295 (the invalid uid)',
      path: ['count'],
    }),
  /** Where the default templates' Debian tree comes from: debootstrap, a registry's debian image, or whichever this host can do. */
  rootfsSource: z.enum(ROOTFS_SOURCE_SETTINGS).default('auto'),
  /**
   * How long a template image another runner on this dockerd used (its pin, renewed while that
   * runner resolves the template) is kept by this runner's stale-image removal; unpinned images
   * of other runners are kept this long after their build. This runner's own earlier builds go
   * as soon as no container uses them (docs/internals.md, template images).
   */
  templateImageGraceHours: z.number().positive().max(24 * 365).default(24),
  network: z
    .strictObject({
      /** Resolvers the sandboxes' DNS forwarder asks (`ip` or `ip:port`). Empty: the host's resolv.conf. */
      dnsUpstreams: z.array(z.string().refine((s) => parseDnsEndpoint(s) !== undefined, 'use an IP address, optionally with :port')).default([]),
      /** IPv4 CIDRs sandboxes may reach although they are special-purpose (never the host or its networks). */
      egressAllow: z
        .array(z.string().refine((s) => /^[0-9.]+\/\d{1,2}$/.test(s) && ipv4Network(s.split('/')[0] ?? '', Number(s.split('/')[1])) === s, 'use an IPv4 network in CIDR form, host bits zero'))
        .default([]),
      /** TCP port of the egress proxy (host-name rules, SOCKS5 egressProxy) on the sandbox bridge's gateway address. */
      egressProxyPort: z.number().int().min(1).max(65_535).default(15_001),
      /**
       * PEM CA certificates the egress header interception also trusts for upstream servers, besides
       * the system roots (a private upstream; tests). Unset: system roots only.
       */
      egressTrustedCaFile: z.string().min(1).optional(),
    })
    .prefault({}),
  /** Isolation level of sandboxes whose template names none: `runc` (shared kernel) or `runsc` (gVisor). */
  runtime: z.enum(SANDBOX_RUNTIMES).default('runc'),
  /**
   * Root inside sandboxes (`user: 'root'`): each runc sandbox then runs in a user namespace of its
   * own, mapped to a block of 65,536 host uids (`sandboxUidBlocks`), so its root is an unprivileged
   * host uid. A template labelled `codebox.root-access=false` opts out; off, naming root is refused.
   * On by default (as E2B: `user: 'root'` and passwordless `sudo`); docs/security.md weighs the cost.
   */
  rootAccess: z.boolean().default(true),
  /**
   * Named volumes (E2B's `/volumes`): each is a loop-mounted ext4 image of `sizeMiB` under
   * `<dataDir>/volumes/`, kept until deleted through the API (docs/operations in README, "Volumes").
   */
  volumes: z
    .strictObject({
      sizeMiB: z.number().int().min(64).default(1024),
    })
    .prefault({}),
  sandboxUidBlocks: z
    .strictObject({
      first: z.number().int().min(65_536).multipleOf(65_536).default(1_073_741_824),
      count: z.number().int().min(1).default(16_384),
    })
    .prefault({})
    .refine((blocks) => blocks.first + blocks.count * 65_536 <= 2_147_483_648, {
      message: 'the blocks must end at or below 2^31 (first + count * 65536)',
      path: ['count'],
    }),
});

export type RunnerConfig = z.output<typeof runnerConfigSchema>;
export type RunnerConfigInput = z.input<typeof runnerConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** `CODEBOX_*` variables and where they land in the config. */
const ENV_VARIABLES: ReadonlyArray<[name: string, path: readonly string[], kind: 'string' | 'number' | 'list' | 'boolean' | 'pool']> = [
  ['CODEBOX_HOST', ['host'], 'string'],
  ['CODEBOX_PORT', ['port'], 'number'],
  ['CODEBOX_DOMAIN', ['domain'], 'string'],
  ['CODEBOX_TLS_CERT_FILE', ['tls', 'certFile'], 'string'],
  ['CODEBOX_TLS_KEY_FILE', ['tls', 'keyFile'], 'string'],
  ['CODEBOX_TLS_PORT', ['tls', 'port'], 'number'],
  ['CODEBOX_RUNNER_NAME', ['runnerName'], 'string'],
  ['CODEBOX_DATA_DIR', ['dataDir'], 'string'],
  ['CODEBOX_API_KEYS', ['apiKeys'], 'list'],
  ['CODEBOX_LOG_LEVEL', ['logLevel'], 'string'],
  ['CODEBOX_DEFAULT_TIMEOUT_SECONDS', ['sandbox', 'defaultTimeoutSeconds'], 'number'],
  ['CODEBOX_MAX_TIMEOUT_SECONDS', ['sandbox', 'maxTimeoutSeconds'], 'number'],
  ['CODEBOX_SANDBOX_CPU', ['sandbox', 'limits', 'cpuCount'], 'number'],
  ['CODEBOX_SANDBOX_MEMORY_MIB', ['sandbox', 'limits', 'memoryMiB'], 'number'],
  ['CODEBOX_SANDBOX_DISK_MIB', ['sandbox', 'limits', 'diskMiB'], 'number'],
  ['CODEBOX_SANDBOX_PIDS', ['sandbox', 'limits', 'pids'], 'number'],
  ['CODEBOX_MAX_SANDBOXES', ['quotas', 'maxSandboxes'], 'number'],
  ['CODEBOX_MAX_SANDBOXES_PER_TENANT', ['quotas', 'maxSandboxesPerTenant'], 'number'],
  ['CODEBOX_RECONCILE_INTERVAL_SECONDS', ['reconcileIntervalSeconds'], 'number'],
  ['CODEBOX_DOCKER_TIMEOUT_SECONDS', ['dockerTimeoutSeconds'], 'number'],
  ['CODEBOX_MAX_CONNECTIONS', ['http', 'maxConnections'], 'number'],
  ['CODEBOX_MAX_CONNECTIONS_PER_CLIENT', ['http', 'maxConnectionsPerClient'], 'number'],
  ['CODEBOX_HEADERS_TIMEOUT_SECONDS', ['http', 'headersTimeoutSeconds'], 'number'],
  ['CODEBOX_BODY_IDLE_TIMEOUT_SECONDS', ['http', 'bodyIdleTimeoutSeconds'], 'number'],
  ['CODEBOX_KEEP_ALIVE_TIMEOUT_SECONDS', ['http', 'keepAliveTimeoutSeconds'], 'number'],
  ['CODEBOX_MAX_HEADER_BYTES', ['http', 'maxHeaderBytes'], 'number'],
  ['CODEBOX_ROOTFS_SOURCE', ['rootfsSource'], 'string'],
  ['CODEBOX_TEMPLATE_IMAGE_GRACE_HOURS', ['templateImageGraceHours'], 'number'],
  ['CODEBOX_DNS_UPSTREAMS', ['network', 'dnsUpstreams'], 'list'],
  ['CODEBOX_EGRESS_ALLOW', ['network', 'egressAllow'], 'list'],
  ['CODEBOX_EGRESS_PROXY_PORT', ['network', 'egressProxyPort'], 'number'],
  ['CODEBOX_EGRESS_TRUSTED_CA_FILE', ['network', 'egressTrustedCaFile'], 'string'],
  ['CODEBOX_RUNTIME', ['runtime'], 'string'],
  ['CODEBOX_ROOT_ACCESS', ['rootAccess'], 'boolean'],
  ['CODEBOX_VOLUME_SIZE_MIB', ['volumes', 'sizeMiB'], 'number'],
  ['CODEBOX_POOL', ['pool'], 'pool'],
];

export const CONFIG_ENV_VARIABLES: readonly string[] = ENV_VARIABLES.map(([name]) => name);

type Layer = Record<string, unknown>;

export function configFromEnv(env: NodeJS.ProcessEnv): Layer {
  const layer: Layer = {};
  for (const [name, path, kind] of ENV_VARIABLES) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value =
      kind === 'number'
        ? Number(raw)
        : kind === 'list'
          ? raw
              .split(',')
              .map((item) => item.trim())
              .filter(Boolean)
          : raw.trim();
    if (kind === 'pool') {
      try {
        setPath(layer, path, parsePoolSizes(raw));
      } catch (error) {
        if (error instanceof PoolSizesError) throw new ConfigError(`${name}: ${error.message}.`);
        throw error;
      }
      continue;
    }
    if (kind === 'boolean') {
      const flag = /^(true|1|yes|on)$/i.test(raw.trim()) ? true : /^(false|0|no|off)$/i.test(raw.trim()) ? false : undefined;
      if (flag === undefined) throw new ConfigError(`${name}="${raw}" is not a boolean; use true or false.`);
      setPath(layer, path, flag);
      continue;
    }
    if (kind === 'number' && Number.isNaN(value)) throw new ConfigError(`${name}="${raw}" is not a number.`);
    setPath(layer, path, value);
  }
  return layer;
}

export async function configFromFile(path: string): Promise<Layer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(error as Error).message}.`);
  }
  if (!isPlainObject(parsed)) throw new ConfigError(`Config file ${path} must hold a JSON object.`);
  return parsed;
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  /** JSON config file; `CODEBOX_CONFIG` names one when this is absent. */
  file?: string;
  flags?: RunnerConfigInput | Layer;
}

export async function loadConfig(sources: ConfigSources = {}): Promise<RunnerConfig> {
  const env = sources.env ?? {};
  const file = sources.file ?? env.CODEBOX_CONFIG;
  const layers: Layer[] = [file ? await configFromFile(file) : {}, configFromEnv(env), (sources.flags ?? {}) as Layer];
  return parseConfig(layers.reduce(mergeLayers, {}));
}

export function parseConfig(input: unknown): RunnerConfig {
  const parsed = runnerConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`);
    throw new ConfigError(`Invalid runner configuration: ${issues.join('; ')}.`);
  }
  return parsed.data;
}

function isPlainObject(value: unknown): value is Layer {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeLayers(base: Layer, override: Layer): Layer {
  const merged: Layer = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeLayers(current, value) : value;
  }
  return merged;
}

function setPath(target: Layer, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (isPlainObject(next)) node = next;
    else node = node[key] = {};
  }
  const last = path.at(-1);
  if (last !== undefined) node[last] = value;
}
