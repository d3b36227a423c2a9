import { CODE_INTERPRETER_TEMPLATE, DEFAULT_SANDBOX_TIMEOUT_MS, ENVD_PORT, type SandboxNetworkUpdate as NetworkUpdateBody } from '@codebox/protocol';
import type { Volume } from '../volume/volume.js';
import {
  CodeInterpreter,
  type Context,
  type CreateCodeContextOpts,
  type RunCodeOpts,
} from '../code-interpreter/code-interpreter.js';
import type { Execution } from '../code-interpreter/execution.js';
import { Commands } from '../commands/commands.js';
import { Pty } from '../commands/pty.js';
import { ConnectionConfig, type ConnectionOpts } from '../connection-config.js';
import { EnvdConnection } from '../envd/envd-connection.js';
import { envdHttpError } from '../envd/envd-http-error.js';
import { ENVD_DEBUG_VERSION } from '../envd/envd-versions.js';
import { fileUrl, type SandboxUrlOpts } from './file-urls.js';
import { Filesystem } from '../filesystem/filesystem.js';
import { InvalidArgumentError } from '../errors.js';
import {
  connectSandbox,
  createSandbox,
  getSandboxInfo,
  killSandbox,
  setSandboxTimeout,
  updateSandboxNetwork,
  type SandboxApiOpts,
  type SandboxConnection,
} from './sandbox-api.js';
import type { SandboxInfo } from './sandbox-info.js';
import { SandboxPaginator, type SandboxListOpts } from './sandbox-paginator.js';

/** Options of `Sandbox.create()`. */
export interface SandboxOpts extends ConnectionOpts {
  /**
   * Template name or ID.
   * @default 'code-interpreter-v1'
   */
  template?: string;
  /** Your own key/value pairs, returned by `getInfo()` and filterable in `list()`. */
  metadata?: Record<string, string>;
  /** Environment variables for every command and code run in the sandbox. */
  envs?: Record<string, string>;
  /**
   * Lifetime in **milliseconds** before the sandbox is killed; extend it with `setTimeout()`.
   * @default 300_000
   */
  timeoutMs?: number;
  /**
   * Require an access token (issued at create) for every request to the sandbox.
   * @default true
   */
  secure?: boolean;
  /**
   * Allow the sandbox to reach the internet; `false` gives it no network at all.
   * @default true
   */
  allowInternetAccess?: boolean;
  /**
   * E2B's network options: `allowPublicTraffic: false` (every sandbox port but envd's then
   * demands the sandbox's `trafficAccessToken`, which this client sends), `allowOut` (IPv4
   * addresses, CIDRs, host names, `*.` wildcards) / `denyOut` (addresses and CIDRs), per-domain
   * header `rules` (values may hold `${e2b.secrets.<name>}`), an upstream SOCKS5 `egressProxy`,
   * `maskRequestHost`. Change the egress part later with {@link Sandbox.updateNetwork}.
   */
  network?: SandboxNetworkOpts;
  /**
   * Named volumes to mount read-write, by path in the sandbox: `{ '/mnt/data': volume }` or the
   * volume's name (`e2b`'s `volumeMounts`). The runner refuses paths it will not mount (400) and
   * names it has no volume for (404).
   */
  volumeMounts?: Record<string, Volume | string>;
}

/** The egress rules of {@link SandboxNetworkOpts}, also what {@link Sandbox.updateNetwork} replaces. */
export interface SandboxEgressOpts {
  /** Destinations that stay reachable whatever `denyOut` says (an allow wins over a deny): IPv4 addresses, CIDRs, host names, `*.example.com`. */
  allowOut?: string[];
  /** Destinations refused (`['0.0.0.0/0']`: everything not in `allowOut`); addresses and CIDRs only. Unlisted destinations are allowed. */
  denyOut?: string[];
  /** Per domain, headers added to (or replacing) those of matching HTTP/HTTPS requests on the way out. A rule does not allow traffic by itself. */
  rules?: Record<string, Array<{ transform?: { headers?: Record<string, string> } }>>;
  /** A SOCKS5 proxy (`host:port`, optional RFC 1929 credentials) allowed TCP leaves through; fails closed. */
  egressProxy?: { address: string; username?: string; password?: string };
}

/** The `network` create option (see {@link SandboxOpts.network}). */
export interface SandboxNetworkOpts extends SandboxEgressOpts {
  allowPublicTraffic?: boolean;
  /** The Host header the sandbox's servers see; `${PORT}` is replaced by the port. */
  maskRequestHost?: string;
}

/** What {@link Sandbox.updateNetwork} takes: the egress rules, replaced whole (fields left out are cleared). */
export interface SandboxNetworkUpdate extends SandboxEgressOpts {
  /** `false`: the same as `denyOut: ['0.0.0.0/0']`. */
  allowInternetAccess?: boolean;
}

function toNetworkUpdateBody(network: SandboxNetworkUpdate): NetworkUpdateBody {
  const { allowInternetAccess, ...egress } = network;
  return { ...egress, ...(allowInternetAccess === undefined ? {} : { allow_internet_access: allowInternetAccess }) };
}

/** Options of `Sandbox.connect()`. */
export type SandboxConnectOpts = ConnectionOpts & {
  /** New lifetime in **milliseconds**; a running sandbox's lifetime is only ever extended. */
  timeoutMs?: number;
};

type PerCallOpts = Pick<ConnectionOpts, 'requestTimeoutMs' | 'signal'>;

/** Everything the constructor needs; build instances with `Sandbox.create()` or `Sandbox.connect()`. */
export type SandboxConstructorOpts = SandboxConnectOpts & SandboxConnection;

/**
 * A Codebox sandbox: an isolated container you run commands and code in. Mirrors `e2b`'s
 * `Sandbox`, so E2B code ports by changing the import. Subclasses (the code interpreter) get
 * the right instance type back from `create()`/`connect()` and reach other in-sandbox
 * services through {@link Sandbox.fetchService}.
 */
export class Sandbox {
  /**
   * One class serves both E2B entry points (`e2b` defaults to `base`, `@e2b/code-interpreter` to
   * `code-interpreter-v1`). The code-interpreter template is a superset of base, so defaulting to
   * it keeps code ported from either package working, `runCode` included.
   */
  protected static readonly defaultTemplate: string = CODE_INTERPRETER_TEMPLATE;

  /** The sandbox's filesystem. */
  readonly files: Filesystem;
  /** Commands running in the sandbox. */
  readonly commands: Commands;
  /** Interactive terminals (pseudo-terminals) in the sandbox. */
  readonly pty: Pty;
  readonly sandboxId: string;
  /** Domain the sandbox is served under, when the runner reports one. */
  readonly sandboxDomain?: string;
  readonly trafficAccessToken?: string;

  protected readonly envdPort = ENVD_PORT;
  protected readonly connectionConfig: ConnectionConfig;
  protected readonly envdAccessToken?: string;
  protected readonly envd: EnvdConnection;
  /** Connection options this sandbox was made with; instance calls reuse them. */
  private readonly connectionOpts: ConnectionOpts;
  private readonly codeInterpreter: CodeInterpreter;

  /** @internal Use {@link Sandbox.create} or {@link Sandbox.connect}. */
  constructor(opts: SandboxConstructorOpts) {
    // A signal passed to create/connect belongs to that call; later calls must not inherit it.
    const { sandboxId, sandboxDomain, envdVersion, envdAccessToken, trafficAccessToken, timeoutMs: _, signal: _s, ...conn } =
      opts;
    this.connectionOpts = conn;
    this.connectionConfig = new ConnectionConfig(conn);
    this.sandboxId = sandboxId;
    if (sandboxDomain) this.sandboxDomain = sandboxDomain;
    if (envdAccessToken) this.envdAccessToken = envdAccessToken;
    if (trafficAccessToken) this.trafficAccessToken = trafficAccessToken;
    const init: ConstructorParameters<typeof EnvdConnection>[0] = { config: this.connectionConfig, sandboxId, envdVersion };
    if (envdAccessToken) init.envdAccessToken = envdAccessToken;
    if (trafficAccessToken) init.trafficAccessToken = trafficAccessToken;
    this.envd = new EnvdConnection(init);
    this.files = new Filesystem(this.envd);
    this.commands = new Commands(this.envd);
    this.pty = new Pty(this.envd, this.commands);
    this.codeInterpreter = new CodeInterpreter(
      (port, path, init) => this.fetchService(port, path, init),
      this.connectionConfig,
      () => this.isRunning(),
    );
  }

  /** A URL that uploads to `path` with a plain `POST` (multipart, field `file`), no headers needed. */
  uploadUrl(path?: string, opts?: SandboxUrlOpts): Promise<string> {
    return this.fileUrl(path ?? '', 'write', opts);
  }

  /** A URL that downloads `path` with a plain `GET`, no headers needed. */
  downloadUrl(path: string, opts?: SandboxUrlOpts): Promise<string> {
    return this.fileUrl(path, 'read', opts);
  }

  private fileUrl(path: string, operation: 'read' | 'write', opts: SandboxUrlOpts | undefined): Promise<string> {
    const { sandboxUrl } = this.connectionConfig;
    return fileUrl({ sandboxUrl, envdVersion: this.envd.envdVersion, envdAccessToken: this.envdAccessToken, path, operation, opts });
  }

  /** Creates a sandbox from the default template (`base`). */
  static create<S extends typeof Sandbox>(this: S, opts?: SandboxOpts): Promise<InstanceType<S>>;
  /** Creates a sandbox from `template`. */
  static create<S extends typeof Sandbox>(this: S, template: string, opts?: SandboxOpts): Promise<InstanceType<S>>;
  static async create<S extends typeof Sandbox>(
    this: S,
    templateOrOpts?: string | SandboxOpts,
    maybeOpts?: SandboxOpts,
  ): Promise<InstanceType<S>> {
    const opts = (typeof templateOrOpts === 'string' ? maybeOpts : templateOrOpts) ?? {};
    const template = typeof templateOrOpts === 'string' ? templateOrOpts : (opts.template ?? this.defaultTemplate);
    const { template: _t, metadata, envs, timeoutMs, secure, allowInternetAccess, network, volumeMounts, ...conn } = opts;
    if (new ConnectionConfig(conn).debug) {
      return new this({ ...conn, sandboxId: 'debug_sandbox_id', envdVersion: ENVD_DEBUG_VERSION }) as InstanceType<S>;
    }
    const req: Parameters<typeof createSandbox>[0] = {
      template,
      timeoutMs: timeoutMs ?? DEFAULT_SANDBOX_TIMEOUT_MS,
      secure: secure ?? true,
      allowInternetAccess: allowInternetAccess ?? true,
    };
    if (metadata) req.metadata = metadata;
    if (envs) req.envs = envs;
    if (network) req.network = network;
    if (volumeMounts) req.volumeMounts = Object.entries(volumeMounts).map(([path, volume]) => ({ name: typeof volume === 'string' ? volume : volume.name, path }));
    const connection = await createSandbox(req, conn);
    return new this({ ...conn, ...connection }) as InstanceType<S>;
  }

  /** Connects to an existing sandbox by ID (extending its lifetime when `timeoutMs` is given). */
  static async connect<S extends typeof Sandbox>(
    this: S,
    sandboxId: string,
    opts: SandboxConnectOpts = {},
  ): Promise<InstanceType<S>> {
    const { timeoutMs: _, ...conn } = opts;
    if (new ConnectionConfig(conn).debug) {
      return new this({ ...conn, sandboxId, envdVersion: ENVD_DEBUG_VERSION }) as InstanceType<S>;
    }
    const connection = await connectSandbox(sandboxId, opts);
    return new this({ ...conn, ...connection }) as InstanceType<S>;
  }

  /** Lists your sandboxes, a page at a time. */
  static list(opts?: SandboxListOpts): SandboxPaginator {
    return new SandboxPaginator(opts);
  }

  /** Kills a sandbox; `false` when there was no such sandbox. */
  static async kill(sandboxId: string, opts?: SandboxApiOpts): Promise<boolean> {
    if (new ConnectionConfig(opts).debug) return true;
    return killSandbox(sandboxId, opts);
  }

  static async getInfo(sandboxId: string, opts?: SandboxApiOpts): Promise<SandboxInfo> {
    return getSandboxInfo(sandboxId, opts);
  }

  /**
   * Sets a sandbox's remaining lifetime to `timeoutMs` from now (it may shorten it).
   * @throws SandboxNotFoundError when there is no such sandbox.
   */
  static async setTimeout(sandboxId: string, timeoutMs: number, opts?: SandboxApiOpts): Promise<void> {
    if (new ConnectionConfig(opts).debug) return;
    await setSandboxTimeout(sandboxId, timeoutMs, opts);
  }

  /**
   * Replaces a sandbox's egress rules (fields left out are cleared); new connections follow them at once.
   * @throws SandboxNotFoundError when there is no such sandbox.
   */
  static async updateNetwork(sandboxId: string, network: SandboxNetworkUpdate, opts?: SandboxApiOpts): Promise<void> {
    await updateSandboxNetwork(sandboxId, toNetworkUpdateBody(network), opts);
  }

  /** Re-connects to this sandbox (extending its lifetime when `timeoutMs` is given). */
  async connect(opts?: SandboxConnectOpts): Promise<this> {
    if (this.connectionConfig.debug) return this;
    await connectSandbox(this.sandboxId, { ...this.connectionOpts, ...opts });
    return this;
  }

  /** Whether the sandbox still answers; `false` once it has been killed or expired. */
  async isRunning(opts?: PerCallOpts): Promise<boolean> {
    const init: RequestInit = { method: 'GET' };
    const signal = this.connectionConfig.getSignal(opts?.requestTimeoutMs, opts?.signal);
    if (signal) init.signal = signal;
    const res = await this.envd.fetch('/health', init);
    // The gateway answers 502 for a sandbox that is gone.
    if (res.status === 502) return false;
    const err = await envdHttpError(res);
    if (err) throw err;
    await res.body?.cancel();
    return true;
  }

  /** Sets this sandbox's remaining lifetime to `timeoutMs` from now. */
  async setTimeout(timeoutMs: number, opts?: PerCallOpts): Promise<void> {
    if (this.connectionConfig.debug) return;
    await setSandboxTimeout(this.sandboxId, timeoutMs, { ...this.connectionOpts, ...opts });
  }

  /** Replaces this sandbox's egress rules (fields left out are cleared). */
  async updateNetwork(network: SandboxNetworkUpdate, opts?: PerCallOpts): Promise<void> {
    await updateSandboxNetwork(this.sandboxId, toNetworkUpdateBody(network), { ...this.connectionOpts, ...opts });
  }

  /** Kills this sandbox; `false` when it was already gone. */
  async kill(opts?: PerCallOpts): Promise<boolean> {
    if (this.connectionConfig.debug) return true;
    return killSandbox(this.sandboxId, { ...this.connectionOpts, ...opts });
  }

  async getInfo(opts?: PerCallOpts): Promise<SandboxInfo> {
    return getSandboxInfo(this.sandboxId, { ...this.connectionOpts, ...opts });
  }

  /**
   * Runs code in a stateful kernel (Python by default; `language` picks another's default
   * context, `context` a context of your own) and returns its output, results and error.
   * Output is streamed to the callbacks as it is printed. When `timeoutMs` fires the execution
   * is interrupted and a `TimeoutError` thrown; the context keeps its state.
   */
  runCode(code: string, opts?: RunCodeOpts): Promise<Execution> {
    return this.codeInterpreter.runCode(code, opts);
  }

  /** Creates a code context: a kernel of its own (`language`, default python) in `cwd`. */
  createCodeContext(opts?: CreateCodeContextOpts): Promise<Context> {
    return this.codeInterpreter.createCodeContext(opts);
  }

  /** Every code context, including the default ones. */
  listCodeContexts(): Promise<Context[]> {
    return this.codeInterpreter.listCodeContexts();
  }

  /** Restarts a context's kernel: its state is cleared. */
  restartCodeContext(context: Context | string): Promise<void> {
    return this.codeInterpreter.restartCodeContext(context);
  }

  /** Removes a context and stops its kernel. */
  removeCodeContext(context: Context | string): Promise<void> {
    return this.codeInterpreter.removeCodeContext(context);
  }

  /** `await using sandbox = await Sandbox.create()` kills the sandbox when the scope ends. */
  /**
   * The host name of `port` in this sandbox, `<port>-<sandboxId>.<domain>`, as `e2b`'s `getHost`:
   * `http://${sandbox.getHost(8000)}` reaches a server the sandbox runs on port 8000 (on one
   * machine the runner's default domain is `localhost:<its port>`, which browsers and curl resolve
   * to loopback). The domain is the runner's answer at create/connect, else `CODEBOX_DOMAIN`/`E2B_DOMAIN`.
   * @throws InvalidArgumentError for a port outside 1–65535, or when no domain is known.
   */
  getHost(port: number): string {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InvalidArgumentError(`port must be a whole number from 1 to 65535, got ${port}.`);
    }
    // e2b's debug mode talks to a bare envd on this machine: its ports are local ones.
    if (this.connectionConfig.debug) return `localhost:${port}`;
    const domain = this.sandboxDomain ?? this.connectionConfig.domain;
    if (!domain) {
      throw new InvalidArgumentError(
        'The runner reported no domain for this sandbox (a runner from before user ports): set CODEBOX_DOMAIN (or pass `domain`) to the domain its sandbox hosts are under.',
      );
    }
    return `${port}-${this.sandboxId}.${domain}`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }

  /**
   * An HTTP request to `port` inside this sandbox through the gateway, with the routing and
   * access headers; how subclasses (the code interpreter on 49999) reach their services.
   */
  protected fetchService(port: number, path: string, init: RequestInit & { requestTimeoutMs?: number }): Promise<Response> {
    return this.envd.fetch(path, init, port);
  }
}
