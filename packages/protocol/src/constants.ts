/** Ports the E2B SDKs address inside a sandbox; the gateway routes on them via `E2b-Sandbox-Port`. */
export const ENVD_PORT = 49983;
export const CODE_INTERPRETER_PORT = 49999;

/**
 * The envd version the runner advertises. The official SDKs switch features on by this number
 * (envd/versions.ts, envd/versions.py): 0.1.4 recursive watch, 0.3.0 commands stdin, 0.4.0
 * default user, 0.5.2 closeStdin, 0.5.7 octet-stream upload, 0.6.2 file metadata (`X-Metadata-*`
 * upload headers kept as `user.e2b.*` xattrs, `EntryInfo.metadata`), 0.6.3 `includeEntry` on
 * watch events, 0.6.4 `allowNetworkMounts` on watches (accepted: a sandbox has no network
 * mounts, so it changes nothing). Advertise only what the agent implements.
 */
export const ENVD_VERSION = '0.6.4';

/**
 * The user code runs as (E2B's `user`, home `/home/user`) and its uid/gid in every template image.
 * A running sandbox maps it elsewhere on the host: to a host uid of its own (its passwd is
 * renumbered) or, in root mode, to uid X+1000 of its user-namespace block (docs/internals.md).
 */
export const SANDBOX_USER = 'user';
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const SANDBOX_HOME = '/home/user';

/**
 * Where the agent lives inside every sandbox: root-owned on the read-only root filesystem, so user
 * code can read it (kernels run the same Node runtime) but never change it.
 */
export const AGENT_DIR = '/opt/codebox';
/**
 * V8's code cache of the agent's bundle, written when the template is built (the agent's
 * `--prepare-compile-cache`) and read at every agent start through NODE_COMPILE_CACHE: the bundle
 * is then not compiled again in each new sandbox.
 */
export const AGENT_COMPILE_CACHE_DIR = `${AGENT_DIR}/compile-cache`;
/**
 * Preloaded (/etc/ld.so.preload) into runsc sandboxes only: drops the statx/fstatat flag that
 * Debian's gVisor rejects (packages/sandbox-agent/native/gvisor-compat.c).
 */
export const GVISOR_COMPAT_LIBRARY = `${AGENT_DIR}/lib/gvisor-compat.so`;
/** Directory (bind-mounted from a runner-owned host directory) holding the agent's socket. */
export const AGENT_SOCKET_DIR = '/run/codebox';
export const AGENT_SOCKET_NAME = 'agent.sock';
/**
 * Connections to one agent at a time: the agent refuses more at accept (well below its descriptor
 * limit) and the runner's pool for a sandbox opens no more (further requests wait for a socket).
 */
export const AGENT_MAX_CONNECTIONS = 1024;

export const HEADERS = {
  apiKey: 'x-api-key',
  sandboxId: 'e2b-sandbox-id',
  sandboxPort: 'e2b-sandbox-port',
  accessToken: 'x-access-token',
  trafficAccessToken: 'e2b-traffic-access-token',
  nextToken: 'x-next-token',
  totalRunning: 'x-total-running',
  keepalivePingInterval: 'keepalive-ping-interval',
} as const;

/** Template names the official SDKs default to. */
export const DEFAULT_TEMPLATE = 'base';
export const CODE_INTERPRETER_TEMPLATE = 'code-interpreter-v1';

export const DEFAULT_SANDBOX_TIMEOUT_MS = 300_000;
export const MAX_SANDBOX_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** Sandbox ids are `[a-z0-9]+`: E2B splits `<port>-<id>.<domain>` hosts on `-`. */
export const SANDBOX_ID_PATTERN = /^[a-z0-9]+$/;
/** API keys have the SDK's shape; the JS SDK checks it client side. */
export const API_KEY_PATTERN = /^e2b_[0-9a-f]+$/;
