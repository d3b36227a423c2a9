import { parseArgs } from 'node:util';
import { AGENT_SOCKET_DIR, AGENT_SOCKET_NAME } from '@codebox/protocol';
import type { ListenTarget } from './agent-server.js';
import { AgentConfigError } from './errors.js';

export interface AgentMainConfig {
  readonly listen: ListenTarget;
  readonly sandboxEnvs: Record<string, string>;
  readonly sandboxExecPath?: string;
  readonly passwdPath?: string;
  /** Most code contexts per sandbox; default derived from the memory limit. */
  readonly maxCodeContexts?: number;
  /** `$CODEBOX_POOLED=1`: started for the runner's warm pool; its env vars come at hand-over (`POST /init`). */
  readonly pooled: boolean;
  /** `$CODEBOX_ROOT_ACCESS=1`: the runner started the agent inside the sandbox's user namespace, root allowed. */
  readonly rootAccess: boolean;
  /**
   * `$CODEBOX_RUNTIME`: the container runtime the runner started the sandbox with. Under `runsc`
   * (gVisor) the agent is the sandbox's OOM killer (`MemoryWatchdog`); default `runc`.
   */
  readonly runtime: AgentRuntime;
  /** `$CODEBOX_MEMORY_LIMIT_MIB`: the sandbox's memory limit as its creator asked for it (the runner sets it under runsc). */
  readonly memoryLimitBytes?: number;
  /** `$CODEBOX_PYTHON_ZYGOTE=0`: start every Python kernel afresh instead of forking it from a preloaded parent. */
  readonly pythonZygote: boolean;
}

export type AgentRuntime = 'runc' | 'runsc';

const USAGE = 'usage: agent [--socket PATH | --listen HOST:PORT]';

/**
 * The entry point's configuration: `--socket PATH` or `--listen HOST:PORT` (tests), else
 * `$CODEBOX_AGENT_SOCKET`, else `/run/codebox/agent.sock`; sandbox env vars from
 * `$CODEBOX_SANDBOX_ENVS` (a JSON object of strings); `$CODEBOX_SANDBOX_EXEC` and
 * `$CODEBOX_PASSWD` override the helper and users file; `$CODEBOX_MAX_CODE_CONTEXTS` (an integer
 * 1–1024) caps the code contexts per sandbox; `$CODEBOX_RUNTIME` (`runc` or `runsc`) and
 * `$CODEBOX_MEMORY_LIMIT_MIB` say what the runner started the sandbox with; `$CODEBOX_PYTHON_ZYGOTE=0`
 * starts Python kernels without the preloaded parent.
 */
export function agentConfigFrom(argv: readonly string[], env: NodeJS.ProcessEnv): AgentMainConfig {
  let values: { socket?: string | undefined; listen?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { socket: { type: 'string' }, listen: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new AgentConfigError(`${(error as Error).message}; ${USAGE}`);
  }
  if (values.socket && values.listen) throw new AgentConfigError(`pass --socket or --listen, not both; ${USAGE}`);
  return {
    listen: values.listen
      ? parseListen(values.listen)
      : env.CODEBOX_AGENT_SOCKET_FD
        ? { fd: parseSocketFd(env.CODEBOX_AGENT_SOCKET_FD) }
        : { socket: values.socket ?? env.CODEBOX_AGENT_SOCKET ?? `${AGENT_SOCKET_DIR}/${AGENT_SOCKET_NAME}` },
    sandboxEnvs: parseSandboxEnvs(env.CODEBOX_SANDBOX_ENVS),
    ...(env.CODEBOX_SANDBOX_EXEC ? { sandboxExecPath: env.CODEBOX_SANDBOX_EXEC } : {}),
    ...(env.CODEBOX_PASSWD ? { passwdPath: env.CODEBOX_PASSWD } : {}),
    ...(env.CODEBOX_MAX_CODE_CONTEXTS ? { maxCodeContexts: parseMaxCodeContexts(env.CODEBOX_MAX_CODE_CONTEXTS) } : {}),
    rootAccess: env.CODEBOX_ROOT_ACCESS === '1',
    pooled: env.CODEBOX_POOLED === '1',
    runtime: parseRuntime(env.CODEBOX_RUNTIME),
    ...(env.CODEBOX_MEMORY_LIMIT_MIB ? { memoryLimitBytes: parseMemoryLimit(env.CODEBOX_MEMORY_LIMIT_MIB) } : {}),
    pythonZygote: parsePythonZygote(env.CODEBOX_PYTHON_ZYGOTE),
  };
}

function parsePythonZygote(text: string | undefined): boolean {
  if (text === undefined || text === '' || text === '1') return true;
  if (text === '0') return false;
  throw new AgentConfigError(`CODEBOX_PYTHON_ZYGOTE must be 0 or 1, got '${text}'`);
}

function parseRuntime(text: string | undefined): AgentRuntime {
  if (text === undefined || text === '' || text === 'runc') return 'runc';
  if (text === 'runsc') return 'runsc';
  throw new AgentConfigError(`CODEBOX_RUNTIME must be runc or runsc, got '${text}'`);
}

function parseMemoryLimit(text: string): number {
  const mib = Number(text);
  if (!/^\d+$/.test(text.trim()) || mib < 16 || mib > 2 ** 30) {
    throw new AgentConfigError(`CODEBOX_MEMORY_LIMIT_MIB must be a whole number of MiB from 16, got '${text}'`);
  }
  return mib * 1024 * 1024;
}

function parseSocketFd(text: string): number {
  const fd = Number(text);
  if (!/^\d+$/.test(text.trim()) || fd < 3 || fd > 1023) {
    throw new AgentConfigError(`CODEBOX_AGENT_SOCKET_FD must be a descriptor number from 3 to 1023, got '${text}'`);
  }
  return fd;
}

function parseMaxCodeContexts(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > 1024) {
    throw new AgentConfigError(`CODEBOX_MAX_CODE_CONTEXTS must be an integer from 1 to 1024, got '${text}'`);
  }
  return value;
}

function parseListen(text: string): ListenTarget {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match?.[1] || port > 65535) throw new AgentConfigError(`--listen must be HOST:PORT, got '${text}'`);
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

export function parseSandboxEnvs(text: string | undefined): Record<string, string> {
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AgentConfigError('CODEBOX_SANDBOX_ENVS is not valid JSON; pass a JSON object of strings');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AgentConfigError('CODEBOX_SANDBOX_ENVS must be a JSON object of strings');
  }
  const envs: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new AgentConfigError(`CODEBOX_SANDBOX_ENVS.${name} must be a string`);
    envs[name] = value;
  }
  return envs;
}
