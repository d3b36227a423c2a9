import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AgentBundleMissingError } from './errors.js';
import { sha256Hex } from './content-hash.js';
import { loadKernelTree, type KernelTree } from './kernel-files.js';

/** Host files that become /opt/codebox in every template. */
export interface AgentBundlePaths {
  /** The bundled agent (packages/sandbox-agent/dist/agent.mjs). */
  agent: string;
  /** The privilege-dropping launcher (packages/sandbox-agent/dist/sandbox-exec). */
  sandboxExec: string;
  /** A self-contained Node >= 22 binary (the official build; distro builds link a shared libnode). */
  node: string;
  /**
   * The code interpreter's kernel bridges (packages/sandbox-agent/dist/kernels), which become
   * /opt/codebox/kernels: the agent looks for them beside its own file. Only agent doubles
   * without a code interpreter (tests) leave it out.
   */
  kernels?: string;
  /**
   * The statx shim runsc sandboxes preload (packages/sandbox-agent/dist/gvisor-compat.so), which
   * becomes GVISOR_COMPAT_LIBRARY. Agent doubles (tests) may leave it out.
   */
  gvisorCompat?: string;
  /**
   * Native add-ons the agent loads beside agent.mjs (packages/sandbox-agent/dist/*.node):
   * xattr.node (from @napi-rs/xattr) for file metadata, thread-identity.node (native/) for
   * per-thread identity switches. Each keeps its file name. Agent doubles may leave them out.
   */
  addons?: readonly string[];
}

/** A native add-on's bytes, copied to /opt/codebox/<name>. */
export interface AgentAddon {
  name: string;
  content: Buffer;
  sha256: string;
}

/** The loaded bundle: bytes to copy and the facts the cache key needs. */
export interface AgentBundle {
  agent: Buffer;
  sandboxExec: Buffer;
  nodePath: string;
  nodeSize: number;
  nodeVersion: string;
  agentSha256: string;
  sandboxExecSha256: string;
  /** Undefined when the paths named no kernels directory. */
  kernels: KernelTree | undefined;
  /** Undefined when the paths named no gVisor shim. */
  gvisorCompat: { content: Buffer; sha256: string } | undefined;
  /** Empty when the paths named none. */
  addons: readonly AgentAddon[];
}

const MIN_NODE_MAJOR = 22;

/**
 * Default locations: the sibling sandbox-agent package (a workspace sibling in the repo and in
 * node_modules/@codebox alike), and the runner's own Node when it is new enough, else the
 * repo's `.tools/node` that scripts/ensure-node.sh installs.
 */
export function defaultAgentBundlePaths(): AgentBundlePaths {
  const agentDist = new URL('../../../sandbox-agent/dist/', import.meta.url);
  const major = Number(process.versions.node.split('.')[0]);
  return {
    agent: fileURLToPath(new URL('agent.mjs', agentDist)),
    sandboxExec: fileURLToPath(new URL('sandbox-exec', agentDist)),
    kernels: fileURLToPath(new URL('kernels/', agentDist)),
    gvisorCompat: fileURLToPath(new URL('gvisor-compat.so', agentDist)),
    addons: ['xattr.node', 'thread-identity.node'].map((name) => fileURLToPath(new URL(name, agentDist))),
    node: major >= MIN_NODE_MAJOR ? process.execPath : fileURLToPath(new URL('../../../../.tools/node/bin/node', import.meta.url)),
  };
}

export async function loadAgentBundle(paths: AgentBundlePaths): Promise<AgentBundle> {
  const agent = await readRequired(paths.agent, 'sandbox agent bundle (agent.mjs)');
  const sandboxExec = await readRequired(paths.sandboxExec, 'sandbox-exec launcher');
  const gvisorCompat = paths.gvisorCompat === undefined ? undefined : await readRequired(paths.gvisorCompat, 'gVisor statx shim (gvisor-compat.so)');
  const addons: AgentAddon[] = [];
  for (const path of paths.addons ?? []) {
    const content = await readRequired(path, `native add-on (${basename(path)})`);
    addons.push({ name: basename(path), content, sha256: sha256Hex(content) });
  }
  const nodeStat = await stat(paths.node).catch(() => undefined);
  if (!nodeStat?.isFile()) throw new AgentBundleMissingError(paths.node, 'Node runtime for the agent');
  return {
    agent,
    sandboxExec,
    nodePath: paths.node,
    nodeSize: nodeStat.size,
    nodeVersion: await nodeVersionOf(paths.node),
    agentSha256: sha256Hex(agent),
    sandboxExecSha256: sha256Hex(sandboxExec),
    kernels: paths.kernels === undefined ? undefined : await loadKernelTree(paths.kernels),
    gvisorCompat: gvisorCompat && { content: gvisorCompat, sha256: sha256Hex(gvisorCompat) },
    addons,
  };
}

async function readRequired(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    throw new AgentBundleMissingError(path, what);
  }
}

async function nodeVersionOf(node: string): Promise<string> {
  if (node === process.execPath) return process.version;
  const { stdout } = await promisify(execFile)(node, ['-v']);
  return stdout.trim();
}
