import { loadMcpConfig, MCP_DEFAULTS, McpConfigError, serveHttp, serveStdio, type McpServeFlags } from '@codebox/mcp-server';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { RunnerClient, RunnerRequestError } from './runner-client.js';
import { ConfigError, loadConfig, type RunnerConfig } from '../config.js';
import { parseDnsEndpoint } from '../dns/dns-forwarder.js';
import { DockerBackend } from '../docker/docker-backend.js';
import { createDockerClient } from '../docker/docker-client.js';
import { DockerImageBackend } from '../docker/docker-image-backend.js';
import { armedCrashPoint, CRASH_AT_ENV } from '../fault-injection.js';
import { RuntimeNotRegisteredError } from '../docker/errors.js';
import { SANDBOX_RUNTIMES, type SandboxRuntime } from '../sandboxes/sandbox-runtime.js';
import { createLogger, type Logger } from '../logger.js';
import { EgressTrustedCaError, loadUpstreamTrust } from '../egress/header-interception.js';
import { RunnerServer } from '../server.js';
import { SecretStore } from '../secrets/secret-store.js';
import { parsePoolSizes, PoolSizesError } from '../pool/pool-sizes.js';
import { InvalidTemplateNameError, InvalidTemplateRuntimeError, TemplateContextError } from '../templates/errors.js';
import { TemplateStore } from '../templates/template-store.js';
import { TlsCredentialsError, loadTlsCredentials } from '../tls-credentials.js';

/** A failure the CLI reports as one line and an exit code. */
class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Exit codes: 0 success, 1 the operation failed, 2 bad usage or configuration, 3 not found. */
const EXIT = { failed: 1, usage: 2, notFound: 3 } as const;

const DEFAULT_API_URL = 'http://127.0.0.1:3000';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535.');
  return port;
}

function parsePoolFlag(value: string): Record<string, number> {
  try {
    return parsePoolSizes(value);
  } catch (error) {
    if (error instanceof PoolSizesError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

interface ServeFlags {
  port?: number;
  host?: string;
  config?: string;
  runnerName?: string;
  dataDir?: string;
  logLevel?: string;
  runtime?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsPort?: number;
  pool?: Record<string, number>;
}

interface ConfigFlags {
  config?: string;
  dataDir?: string;
}

async function configFor(flags: ServeFlags | ConfigFlags): Promise<RunnerConfig> {
  const { config: file, tlsCert, tlsKey, tlsPort, ...rest } = flags as ServeFlags;
  const tls = Object.fromEntries(Object.entries({ certFile: tlsCert, keyFile: tlsKey, port: tlsPort }).filter(([, value]) => value !== undefined));
  const overrides = Object.fromEntries(Object.entries({ ...rest, tls: Object.keys(tls).length > 0 ? tls : undefined }).filter(([, value]) => value !== undefined));
  return loadConfig({ env: process.env, ...(file ? { file } : {}), flags: overrides });
}

/** The runner's one Docker connection, with the configured deadline on every request/response call. */
function dockerClientFor(config: RunnerConfig): ReturnType<typeof createDockerClient> {
  return createDockerClient({ requestTimeoutMs: config.dockerTimeoutSeconds * 1000 });
}

function templateStoreFor(config: RunnerConfig, logger: Logger, docker = dockerClientFor(config)): TemplateStore {
  return new TemplateStore({
    dataDir: config.dataDir,
    runnerName: config.runnerName,
    rootfsSource: config.rootfsSource,
    staleImageGraceMs: config.templateImageGraceHours * 3_600_000,
    logger,
    images: new DockerImageBackend(docker),
  });
}

async function serve(flags: ServeFlags): Promise<void> {
  const config = await configFor(flags);
  // A bad certificate or key stops the start here, not after the (possibly long) template build.
  if (config.tls) await loadTlsCredentials(config.tls);
  const logger = createLogger({ level: config.logLevel });
  const crashAt = armedCrashPoint();
  if (crashAt) logger.warn({ crashAt }, `FAULT INJECTION ARMED (${CRASH_AT_ENV}): this runner SIGKILLs itself at that stage; tests only`);
  const docker = dockerClientFor(config);
  // One store for the API and the egress interception, which resolves rules' placeholders per request.
  const secrets = await SecretStore.open(config.dataDir);
  const upstreamCa = await loadUpstreamTrust(config.network.egressTrustedCaFile);
  const backend = new DockerBackend({
    docker,
    runnerName: config.runnerName,
    dataDir: config.dataDir,
    logger,
    runtime: config.runtime,
    sandboxUids: config.sandboxUids,
    rootAccess: config.rootAccess,
    sandboxUidBlocks: config.sandboxUidBlocks,
    volumeSizeMiB: config.volumes.sizeMiB,
    egressAllow: config.network.egressAllow,
    egressProxyPort: config.network.egressProxyPort,
    egressInterception: { upstreamCa, resolveSecret: (tenant, name) => secrets.resolve(tenant, name) },
    ...(config.network.dnsUpstreams.length > 0
      ? { dnsUpstreams: config.network.dnsUpstreams.flatMap((s) => parseDnsEndpoint(s) ?? []) }
      : {}),
  });
  // Before the (possibly long) template build: a runsc runner on a host without runsc stops at once.
  await backend.assertRuntimeAvailable();
  const templates = templateStoreFor(config, logger, docker);
  await templates.ensureDefaultTemplates();
  const server = await RunnerServer.start({ config, backend, templates, logger, secrets });

  const displayUrl = server.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
  const key = server.devApiKey ?? '<one of your CODEBOX_API_KEYS>';
  process.stdout.write(
    [
      '',
      `Codebox runner listening on ${displayUrl}`,
      server.devApiKey
        ? `Development API key (generated, kept in ${config.dataDir}/dev-api-key): ${server.devApiKey}`
        : `API keys: ${config.apiKeys.length} configured`,
      '',
      'Point an E2B SDK at it:',
      `  export E2B_API_URL=${displayUrl}`,
      `  export E2B_SANDBOX_URL=${displayUrl}`,
      `  export E2B_API_KEY=${key}`,
      '',
      ...(server.tlsUrl
        ? [
            `HTTPS (same API) on ${server.tlsUrl.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:')}; SIGHUP re-reads the certificate`,
            `A server a sandbox runs on port N: https://N-<sandboxId>.${server.domain}/ (what sandbox.getHost(N) returns)`,
          ]
        : [`A server a sandbox runs on port N: http://N-<sandboxId>.${server.domain}/ (what sandbox.getHost(N) returns)`]),
      '',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for in-flight requests');
      process.exit(EXIT.failed);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests, leaving sandboxes running');
    server
      .close()
      // The pins say this runner uses its template images; once it is gone, they protect nothing.
      .then(() => templates.releasePins())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(EXIT.failed);
        },
      );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // Only with TLS on: otherwise SIGHUP keeps its default (the runner ends, as with a closed terminal).
  if (server.tlsUrl) {
    process.on('SIGHUP', () => {
      server.reloadTls().catch((error: unknown) => logger.error({ err: error }, 'TLS certificate reload failed; the previous one stays in use'));
    });
  }
}

/**
 * `codebox mcp`: stdio resolves once the client is gone (its sandbox killed); HTTP returns once
 * listening and ends with the process (a signal kills the sessions' sandboxes first).
 */
async function mcp(flags: McpServeFlags): Promise<void> {
  const config = loadMcpConfig(flags);
  if (config.transport === 'http') {
    const server = await serveHttp(config);
    process.stdout.write(`Codebox MCP server (Streamable HTTP) on ${server.url}; template ${config.template}, one sandbox per session\n`);
    return;
  }
  // stdout is the protocol's: anything said goes to stderr.
  const server = await serveStdio(config);
  process.stderr.write(`codebox mcp: serving MCP over stdio (template ${config.template}); the sandbox is made on the first tool call\n`);
  await server.closed;
}

interface ClientFlags {
  apiUrl?: string;
  apiKey?: string;
}

function runnerClient(flags: ClientFlags): RunnerClient {
  const apiUrl = flags.apiUrl ?? process.env.CODEBOX_API_URL ?? process.env.E2B_API_URL ?? DEFAULT_API_URL;
  const apiKey = flags.apiKey ?? process.env.CODEBOX_API_KEY ?? process.env.E2B_API_KEY;
  if (!apiKey) throw new CliError('No API key: pass --api-key or set CODEBOX_API_KEY (or E2B_API_KEY); `codebox serve` prints one.', EXIT.usage);
  return new RunnerClient({ apiUrl, apiKey });
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

function addClientOptions(command: Command): Command {
  return command
    .option('--api-url <url>', `runner URL (env CODEBOX_API_URL or E2B_API_URL; default ${DEFAULT_API_URL})`)
    .option('--api-key <key>', 'API key (env CODEBOX_API_KEY or E2B_API_KEY)');
}

function addConfigOptions(command: Command, { runnerName }: { runnerName: boolean }): Command {
  command.option('--config <file>', 'JSON config file (env CODEBOX_CONFIG)');
  if (runnerName) command.option('--runner-name <name>', 'runner instance name; a runner only touches its own containers (env CODEBOX_RUNNER_NAME)');
  return command.option('--data-dir <dir>', 'where the runner keeps sandbox and template files and the dev API key (env CODEBOX_DATA_DIR)');
}

export function buildProgram(): Command {
  const program = new Command('codebox')
    .description('Codebox: self-hosted, E2B-compatible sandboxes for running untrusted code in hardened Docker containers.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  addConfigOptions(
    program
      .command('serve')
      .description('Run the runner: the E2B control-plane API and the sandbox gateway on one port.')
      .option('-p, --port <port>', 'port to listen on (env CODEBOX_PORT; default 3000)', parsePort)
      .option('-H, --host <host>', 'address to bind (env CODEBOX_HOST; default 127.0.0.1)')
      .option('--tls-cert <file>', 'PEM certificate: also serve HTTPS (env CODEBOX_TLS_CERT_FILE; needs --tls-key)')
      .option('--tls-key <file>', 'PEM private key of --tls-cert (env CODEBOX_TLS_KEY_FILE)')
      .option('--tls-port <port>', 'HTTPS port (env CODEBOX_TLS_PORT; default 3443)', parsePort)
      .addOption(new Option('--log-level <level>', 'log level (env CODEBOX_LOG_LEVEL)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
      .option(
        '--pool <sizes>',
        'warm pool per template, e.g. code-interpreter-v1=2,base=1 (0 turns one off) (env CODEBOX_POOL; default code-interpreter-v1=2,base=1)',
        parsePoolFlag,
      )
      .addOption(
        new Option('--runtime <runtime>', 'isolation level of sandboxes whose template names none: runc, or runsc (gVisor) (env CODEBOX_RUNTIME; default runc)').choices(
          SANDBOX_RUNTIMES,
        ),
      )
      .addHelpText(
        'after',
        [
          '',
          'Other settings come from CODEBOX_* variables (e.g. CODEBOX_API_KEYS=e2b_<hex>,...; without keys a',
          'development key is generated and printed) or the --config file. Stop with Ctrl-C: in-flight requests',
          'finish and sandboxes keep running for the next start to re-adopt.',
          '',
          'Then, for any E2B SDK:',
          '  export E2B_API_URL=http://127.0.0.1:3000 E2B_SANDBOX_URL=http://127.0.0.1:3000 E2B_API_KEY=<key>',
          '',
          'With --tls-cert/--tls-key the same API is served over HTTPS too, and sandbox hosts become',
          'https://<port>-<id>.<domain> with domain codebox.localhost:<tls port> unless CODEBOX_DOMAIN is set',
          '(the certificate must name *.<domain>; SIGHUP re-reads it). README: "Reaching a server in the sandbox".',
        ].join('\n'),
      ),
    { runnerName: true },
  ).action(serve);

  program
    .command('mcp')
    .description('Serve the Codebox tools (run_code, run_command, read_file, write_file) to MCP hosts: one sandbox per MCP session.')
    .option('--http', 'serve Streamable HTTP at http://<host>:<port>/mcp instead of stdio (env CODEBOX_MCP_TRANSPORT=http)')
    .option('-p, --port <port>', `HTTP port (env CODEBOX_MCP_PORT; default ${MCP_DEFAULTS.port}; 0 picks a free one)`)
    .option('-H, --host <host>', 'HTTP address to bind (env CODEBOX_MCP_HOST; default 127.0.0.1; off loopback a --token is required)')
    .option('--token <token>', 'bearer token HTTP clients must send (env CODEBOX_MCP_TOKEN)')
    .option('--api-url <url>', 'runner URL (env CODEBOX_API_URL or E2B_API_URL; default http://localhost:3000)')
    .option('--api-key <key>', 'API key (env CODEBOX_API_KEY or E2B_API_KEY)')
    .option('--template <name>', 'template of the sandboxes (env CODEBOX_MCP_TEMPLATE; default code-interpreter-v1)')
    .option('--idle-timeout <seconds>', 'kill a session\'s sandbox after this long without a call; 0 never (env CODEBOX_MCP_IDLE_TIMEOUT; default 600)')
    .option('--timeout <seconds>', 'time limit of one tool call (env CODEBOX_MCP_TIMEOUT; default the sandbox\'s, 60)')
    .option('--max-output-chars <n>', 'most characters of output a call returns, cut in the middle (env CODEBOX_MCP_MAX_OUTPUT_CHARS; default 4000)')
    .option('--max-sessions <n>', 'most HTTP sessions (so sandboxes) at once (env CODEBOX_MCP_MAX_SESSIONS; default 10)')
    .option('--languages <list>', 'languages run_code offers, comma-separated, the first the default (env CODEBOX_MCP_LANGUAGES)')
    .addHelpText(
      'after',
      [
        '',
        'A desktop MCP host starts it over stdio, e.g. (claude_desktop_config.json, .cursor/mcp.json, ...):',
        '  { "mcpServers": { "codebox": { "command": "npx", "args": ["codebox", "mcp"],',
        '      "env": { "CODEBOX_API_URL": "http://127.0.0.1:3000", "CODEBOX_API_KEY": "e2b_..." } } } }',
        '',
        'Try it by hand: npx @modelcontextprotocol/inspector npx codebox mcp',
      ].join('\n'),
    )
    .action(mcp);

  const sandbox = program.command('sandbox').description('Inspect and kill sandboxes on a running runner (over its HTTP API).');
  addClientOptions(
    sandbox
      .command('list')
      .description('List the running sandboxes of your API key.')
      .option('--json', 'print JSON instead of a table'),
  ).action(async (flags: ClientFlags & { json?: boolean }) => {
    const sandboxes = await runnerClient(flags).listSandboxes();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(sandboxes, null, 2)}\n`);
      return;
    }
    if (sandboxes.length === 0) {
      process.stdout.write('No running sandboxes.\n');
      return;
    }
    const rows = sandboxes.map((s) => [s.sandboxID, s.templateID, s.runtime ?? 'runc', s.startedAt, s.endAt, JSON.stringify(s.metadata ?? {})]);
    process.stdout.write(`${table([['SANDBOX ID', 'TEMPLATE', 'RUNTIME', 'STARTED', 'ENDS', 'METADATA'], ...rows])}\n`);
  });
  addClientOptions(sandbox.command('kill').description('Kill a sandbox now.').argument('<id>', 'sandbox id')).action(
    async (id: string, flags: ClientFlags) => {
      try {
        await runnerClient(flags).killSandbox(id);
      } catch (error) {
        if (error instanceof RunnerRequestError && error.status === 404) throw new CliError(error.message, EXIT.notFound);
        throw error;
      }
      process.stdout.write(`Killed ${id}\n`);
    },
  );

  const template = program.command('template').description('Build and list sandbox templates (Docker images with the Codebox agent).');
  addConfigOptions(
    template
      .command('build')
      .description('Build a template from a Dockerfile; its base must be Debian/Ubuntu-like (the agent brings its own Node).')
      .requiredOption('-f, --file <dockerfile>', 'path to the Dockerfile')
      .requiredOption('-n, --name <name>', 'template name, used as templateID by SDKs')
      .addOption(
        new Option('--runtime <runtime>', "isolation level its sandboxes need, over the runner's default (or LABEL codebox.runtime=… in the Dockerfile)").choices(
          SANDBOX_RUNTIMES,
        ),
      )
      .argument('[context]', 'build context directory', '.'),
    { runnerName: false },
  ).action(async (context: string, flags: ConfigFlags & { file: string; name: string; runtime?: SandboxRuntime }) => {
    const config = await configFor({ config: flags.config, dataDir: flags.dataDir });
    const logger = createLogger({ level: config.logLevel });
    const built = await templateStoreFor(config, logger).build({
      name: flags.name,
      dockerfile: resolve(flags.file),
      contextDir: resolve(context),
      ...(flags.runtime ? { runtime: flags.runtime } : {}),
    });
    process.stdout.write(`Built template ${built.name} (${built.image}${built.runtime ? `, runtime ${built.runtime}` : ''})\n`);
  });
  addConfigOptions(template.command('list').description('List the templates this host can start sandboxes from.'), { runnerName: false }).action(
    async (flags: ConfigFlags) => {
      const config = await configFor(flags);
      const logger = createLogger({ level: config.logLevel });
      const images = await templateStoreFor(config, logger).list();
      if (images.length === 0) {
        process.stdout.write('No templates built yet; `codebox serve` builds the defaults.\n');
        return;
      }
      const rows = images.map((image) => [image.name, image.image, image.runtime ?? `(runner's)`, image.createdAt.toISOString()]);
      process.stdout.write(`${table([['NAME', 'IMAGE', 'RUNTIME', 'CREATED'], ...rows])}\n`);
    },
  );

  return program;
}

/** Errors caused by what the user typed rather than by the system. */
function isUsageError(error: unknown): boolean {
  return (
    error instanceof ConfigError ||
    error instanceof InvalidTemplateNameError ||
    error instanceof TemplateContextError ||
    error instanceof InvalidTemplateRuntimeError ||
    // The host's configuration, not a failure: the message says how to register runsc or pick runc.
    error instanceof RuntimeNotRegisteredError ||
    error instanceof TlsCredentialsError ||
    error instanceof EgressTrustedCaError ||
    error instanceof McpConfigError
  );
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message (or the help/version text).
      return error.exitCode === 0 ? 0 : EXIT.usage;
    }
    const exitCode = error instanceof CliError ? error.exitCode : isUsageError(error) ? EXIT.usage : EXIT.failed;
    process.stderr.write(`codebox: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCode;
  }
}
