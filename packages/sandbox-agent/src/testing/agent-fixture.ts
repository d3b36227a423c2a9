// Test support (excluded from the build): a real agent on this host, with a temp passwd file
// mapping `user` to uid 1000 and a temp home owned by it, plus clients that speak to it the
// way the e2b SDK does (Connect JSON, Basic auth header, plain fetch for /files).
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { Filesystem, Process } from '@codebox/protocol';
import { pino } from 'pino';
import { requireRoot } from '../../../../test/support/test-prerequisites.js';
import { createAgentServer, type AgentServer, type AgentServerOptions } from '../agent-server.js';

export const TEST_UID = 1000;
export const TEST_GID = 1000;

export interface AgentFixture {
  readonly agent: AgentServer;
  readonly root: string;
  readonly home: string;
  readonly baseUrl: string;
  readonly process: Client<typeof Process>;
  readonly filesystem: Client<typeof Filesystem>;
  /** `Authorization` header selecting `name`, as the SDK builds it. */
  auth(name: string): { Authorization: string };
  close(): Promise<void>;
}

/**
 * Copies the package build's static `sandbox-exec` (its sources and flags live in build.mjs, once)
 * into `dir` and returns its path.
 */
export function buildSandboxExec(dir: string): string {
  const built = new URL('../../dist/sandbox-exec', import.meta.url).pathname;
  if (!existsSync(built)) throw new Error(`${built} is missing: build the package first (npm run build -w @codebox/sandbox-agent)`);
  const output = join(dir, 'sandbox-exec');
  copyFileSync(built, output);
  chmodSync(output, 0o755);
  return output;
}

export interface StartAgentOptions extends Partial<AgentServerOptions> {
  /** Default: a free loopback port. */
  readonly listen?: { host: string; port: number };
}

export async function startAgent({ listen, ...options }: StartAgentOptions = {}): Promise<AgentFixture> {
  requireRoot('a real agent on this host (it switches to uid 1000 per request)');
  const root = mkdtempSync(join(tmpdir(), 'codebox-agent-test-'));
  // mkdtemp makes 0700; the sandbox user must be able to traverse down to its home.
  chmodSync(root, 0o755);
  const home = join(root, 'home', 'user');
  mkdirSync(home, { recursive: true });
  chownSync(home, TEST_UID, TEST_GID);
  const passwdPath = join(root, 'passwd');
  const groupPath = join(root, 'group');
  writeFileSync(passwdPath, `root:x:0:0:root:/root:/bin/bash\nuser:x:${TEST_UID}:${TEST_GID}::${home}:/bin/bash\n`);
  writeFileSync(groupPath, `root:x:0:\nuser:x:${TEST_GID}:\n`);

  const agent = createAgentServer({
    passwdPath,
    groupPath,
    sandboxExecPath: null,
    logger: pino({ level: 'silent' }),
    // Tests that want a warm python kernel ask for it; the rest should not pay for one.
    codeInterpreter: { warmUp: false },
    ...options,
  });
  const address = (await agent.listen(listen ?? { host: '127.0.0.1', port: 0 })) as AddressInfo;
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const transport = createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: false });
  return {
    agent,
    root,
    home,
    baseUrl,
    process: createClient(Process, transport),
    filesystem: createClient(Filesystem, transport),
    auth: (name) => ({ Authorization: `Basic ${Buffer.from(`${name}:`).toString('base64')}` }),
    async close() {
      await agent.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
