import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { AGENT_MAX_CONNECTIONS, Filesystem, HEADERS, isUserPort, parsePort, Process } from '@codebox/protocol';
import type { HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Logger } from 'pino';
import { createAgentLogger } from './logger.js';
import { AgentConfigError } from './errors.js';
import { filesHandler } from './handlers/files-handler.js';
import { filesystemHandler } from './handlers/filesystem-handler.js';
import { sendEnvdError, sendError } from './handlers/http-response.js';
import { handoverHandler } from './handlers/handover-handler.js';
import { interpreterHandler } from './handlers/interpreter-handler.js';
import { processHandler } from './handlers/process-handler.js';
import { requestUser } from './handlers/request-user.js';
import { systemHandler } from './handlers/system-handler.js';
import { createRouter, type ServiceAnswers } from './router.js';
import { agentRoutes } from './routes.js';
import { CgroupMemory } from './memory/cgroup-memory.js';
import type { SandboxMemorySource } from './memory/sandbox-memory.js';
import { createCodeInterpreter, kernelEnvironment, type CodeInterpreterOptions } from './interpreter/code-interpreter.js';
import type { InterpreterService } from './interpreter/interpreter-service.js';
import { FilesystemService } from './services/filesystem-service.js';
import { identitySwitch } from './services/identity.js';
import { openInotifyInstance } from './services/inotify-instance.js';
import { ProcessLauncher } from './services/process-launcher.js';
import { ProcessService } from './services/process-service.js';
import { SudoBroker } from './services/sudo-broker.js';
import { UserDirectory, type SandboxUser } from './services/user-directory.js';
import { WatchService } from './services/watch-service.js';
import { refuseUpgrade } from './user-ports/refuse-upgrade.js';
import { UserPortRelay } from './user-ports/user-port-relay.js';

export type { CodeInterpreterOptions };

export interface AgentServerOptions {
  /** Users file; tests point it at a temp file. Default `/etc/passwd`. */
  readonly passwdPath?: string;
  /** Groups file, for owner/group names. Default `/etc/group`. */
  readonly groupPath?: string;
  /** The user of requests that name none. Default `user`. */
  readonly defaultUser?: string;
  /** The sandbox's env vars (from `CODEBOX_SANDBOX_ENVS`), applied to every process. */
  readonly sandboxEnvs?: Readonly<Record<string, string>>;
  /**
   * Started for the runner's warm pool (`CODEBOX_POOLED=1`): serves `POST /init` once, which sets
   * the env vars at hand-over (handlers/handover-handler.ts). Default false.
   */
  readonly pooled?: boolean;
  /**
   * The `sandbox-exec` helper. Default: `sandbox-exec` beside the agent's own file. `null`
   * starts processes with Node's uid/gid options only (logs a warning).
   */
  readonly sandboxExecPath?: string | null;
  /** The code interpreter (port 49999): its options, or `false` to answer it with 404. */
  readonly codeInterpreter?: CodeInterpreterOptions | false;
  readonly logger?: Logger;
  /** Whether callers may name `root` (the sandbox runs in its own user namespace; docs/internals.md). */
  readonly rootAccess?: boolean;
  /**
   * Where the sandbox's memory limit and OOM kills are read: the memory cgroup (default, runc), or
   * under gVisor the agent's own watchdog (`sandboxMemoryFor`), which the agent starts and stops.
   */
  readonly memory?: SandboxMemorySource;
}

/**
 * `fd`: a listening unix socket inherited from `sandbox-root` (root mode), which binds it before the
 * agent enters the sandbox's user namespace, where the socket's directory is out of reach.
 */
export type ListenTarget =
  | { readonly socket: string }
  | { readonly host: string; readonly port: number }
  | { readonly fd: number };

export interface AgentServer {
  readonly server: Server;
  /** True when processes start through the sandbox-exec helper. */
  readonly hardened: boolean;
  /** Listens on a unix socket (stale one removed, mode 0600) or a TCP address. */
  listen(target: ListenTarget): Promise<string | AddressInfo>;
  /** Stops listening, ends watches and SIGKILLs every user process group. */
  close(): Promise<void>;
}

/** Builds the agent (services → handlers → the route table in `routes.ts`) as an HTTP/1.1 server, not yet listening. */
export function createAgentServer(options: AgentServerOptions = {}): AgentServer {
  const logger = options.logger ?? createAgentLogger();
  const defaultUser = options.defaultUser ?? 'user';
  // One object every reader holds: a pooled sandbox's hand-over replaces its contents in place.
  const sandboxEnvs: Record<string, string> = { ...(options.sandboxEnvs ?? {}) };
  const memory: SandboxMemorySource = options.memory ?? new CgroupMemory();
  const users = new UserDirectory(options.passwdPath, options.groupPath, options.rootAccess ?? false);
  const filesystem = new FilesystemService(users);
  const helperPath =
    options.sandboxExecPath === undefined ? fileURLToPath(new URL('./sandbox-exec', import.meta.url)) : options.sandboxExecPath;
  const launcher = new ProcessLauncher(helperPath ?? undefined, logger);
  const processes = new ProcessService(launcher, filesystem, sandboxEnvs, logger);
  // `sudo` for `user` (native/sudo-broker.c): only where root exists, and only through the helper.
  const sudoBroker = options.rootAccess && helperPath && launcher.hardened ? new SudoBroker(helperPath, logger) : undefined;
  const watches = new WatchService(users, logger);
  try {
    openInotifyInstance(users.resolve(defaultUser), logger);
  } catch {
    // No default user: nothing can be watched as it either; tryCreateInterpreter reports it.
  }

  const rpcUser = (context: HandlerContext) => requestUser(users, defaultUser, context.requestHeader.get('authorization'));
  const files = filesHandler({
    filesystem,
    logger,
    userOf: (request, url) => requestUser(users, defaultUser, request.headers.authorization, url.searchParams.get('username')),
  });
  const system = systemHandler(sandboxEnvs);

  /** The code interpreter, or none (49999 answers 404) when its user is missing: envd still works. */
  let interpreterUser: SandboxUser | undefined;
  function tryCreateInterpreter(config: CodeInterpreterOptions): InterpreterService | undefined {
    let user: SandboxUser;
    try {
      user = users.resolve(defaultUser);
      interpreterUser = user;
    } catch (error) {
      logger.warn({ err: error, user: defaultUser }, 'code interpreter disabled: kernels have no user to run as');
      return undefined;
    }
    const kernelsDir = config.kernelsDir ?? fileURLToPath(new URL('./kernels', import.meta.url));
    return createCodeInterpreter({ ...config, kernelsDir }, { launcher, user, sandboxEnvs, logger, memory });
  }

  /** envd answers like E2B's: `{"message","code"}` JSON with the HTTP status as code. */
  const envdAnswers: ServiceAnswers = {
    notFound(request, response, pathname) {
      sendEnvdError(response, 404, `no route ${request.method} ${pathname} in envd`);
    },
    fail: (error, _request, response) => sendError(response, error, logger),
  };
  const rpc = connectNodeAdapter({
    routes: (router) => {
      router.service(Process, processHandler({ processes, userOf: rpcUser, logger }));
      router.service(Filesystem, filesystemHandler({ filesystem, watches, userOf: rpcUser, logger }));
    },
    // Connect matches the raw path, the route table the parsed one: a path only the parser maps onto an RPC is no route.
    // The agent serves HTTP/1.1 only, so the request is always an IncomingMessage.
    fallback: (request, response) => {
      const incoming = request as IncomingMessage;
      envdAnswers.notFound(incoming, response as ServerResponse, new URL(incoming.url ?? '/', 'http://agent').pathname);
    },
    jsonOptions: { ignoreUnknownFields: true },
  });
  const relay = new UserPortRelay({ logger });
  const interpreterConfig = options.codeInterpreter === false ? undefined : (options.codeInterpreter ?? {});
  const interpreter = interpreterConfig && tryCreateInterpreter(interpreterConfig);
  const handover = options.pooled
    ? handoverHandler({
        logger,
        ready: () => interpreter?.ready() ?? Promise.resolve(),
        apply(envVars) {
          if (sameEnvs(sandboxEnvs, envVars)) return;
          for (const name of Object.keys(sandboxEnvs)) delete sandboxEnvs[name];
          Object.assign(sandboxEnvs, envVars);
          // The warm kernels started on the old environment; a create without env vars keeps them.
          if (interpreter && interpreterUser) interpreter.replaceEnvironment(kernelEnvironment(interpreterUser, sandboxEnvs));
        },
      })
    : undefined;
  const route = createRouter(
    agentRoutes({
      rpc,
      files,
      system,
      ...(handover ? { handover } : {}),
      envd: envdAnswers,
      userPorts: (request, response, port) => relay.relayRequest(request, response, port),
      ...(interpreter && interpreterConfig
        ? {
            interpreter: interpreterHandler({
              service: interpreter,
              logger,
              ...(interpreterConfig.outputLimitBytes === undefined ? {} : { outputLimitBytes: interpreterConfig.outputLimitBytes }),
              ...(interpreterConfig.keepaliveMs === undefined ? {} : { keepaliveMs: interpreterConfig.keepaliveMs }),
            }),
          }
        : {}),
    }),
  );

  const server = createServer((request, response) => {
    Promise.resolve(route(request, response)).catch((error: unknown) => sendError(response, error, logger));
  });
  // Only user ports speak other protocols (WebSocket): their Upgrade requests are relayed as bytes.
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const header = request.headers[HEADERS.sandboxPort];
    const port = typeof header === 'string' ? parsePort(header) : undefined;
    if (port !== undefined && isUserPort(port)) relay.relayUpgrade(request, socket, head, port);
    else refuseUpgrade(socket, port);
  });
  // Process and watch streams stay open for as long as commands run.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  // The runner is the only client and pools its connections: it, not the agent, decides when an
  // idle one goes, so a request never races the agent closing the socket it was sent on.
  server.keepAliveTimeout = 0;
  // Connections beyond this are refused at accept, well before the agent's descriptor limit
  // (every stream also holds pipes and files), instead of failing accept() with EMFILE.
  server.maxConnections = AGENT_MAX_CONNECTIONS;
  // After listen(), an 'error' is a failed accept (EMFILE, ENFILE): log it and keep serving;
  // without a listener Node would end the agent, and with it the sandbox.
  server.on('error', (error) => logger.error({ err: error }, 'agent server error; still serving'));

  return {
    server,
    hardened: launcher.hardened,
    async listen(target) {
      if ('socket' in target) removeStaleSocket(target.socket);
      // Only root (the runner) may talk to the agent; user code cannot even connect. The umask
      // makes bind() create the socket 0600, so it is never open to others, not even briefly;
      // under gVisor a socket on a host directory cannot be chmod-ed at all.
      const umask = 'socket' in target ? process.umask(0o177) : undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          const done = (): void => {
            server.off('error', reject);
            resolve();
          };
          if ('socket' in target) server.listen(target.socket, done);
          else if ('fd' in target) server.listen({ fd: target.fd }, done);
          else server.listen(target.port, target.host, done);
        });
      } finally {
        if (umask !== undefined) process.umask(umask);
      }
      if ('socket' in target) restrictSocket(target.socket, logger);
      // A pipe listening on an inherited descriptor has no name Node knows.
      const address = 'fd' in target ? (server.address() ?? `fd:${target.fd}`) : server.address();
      if (address === null) throw new Error('agent server has no address after listen');
      logger.info({ address, identitySwitch }, 'agent listening');
      sudoBroker?.start();
      memory.start?.();
      return address;
    },
    async close() {
      watches.closeAll();
      sudoBroker?.stop();
      memory.stop?.();
      processes.killAll();
      await interpreter?.shutdown();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        relay.close();
      });
    },
  };
}

function sameEnvs(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => Object.hasOwn(b, name) && a[name] === b[name]);
}

/** chmod as well where the filesystem allows it; gVisor's host-backed sockets refuse (EPERM), and the umask already made them 0600. */
function restrictSocket(path: string, logger: Logger): void {
  try {
    chmodSync(path, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    logger.debug({ path }, 'socket mode set by umask only (chmod not permitted on this filesystem)');
  }
}

function removeStaleSocket(path: string): void {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (!stats) return;
  if (!stats.isSocket()) throw new AgentConfigError(`refusing to replace '${path}': it exists and is not a socket; remove it or pick another path`);
  unlinkSync(path);
}
