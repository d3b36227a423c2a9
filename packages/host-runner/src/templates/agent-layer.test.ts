import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GVISOR_COMPAT_LIBRARY } from '@codebox/protocol';
import type { AgentBundle } from './agent-bundle.js';
import { agentLayerContext, agentLayerDockerfile } from './agent-layer.js';
import { sha256Hex } from './content-hash.js';
import { readTar } from './testing/read-tar.js';

describe('agentLayerDockerfile', () => {
  const dockerfile = agentLayerDockerfile('sha256:abc');
  const lines = dockerfile.trim().split('\n');

  it('builds on the given image as root and copies the agent into /opt/codebox', () => {
    expect(lines[0]).toBe('FROM sha256:abc');
    expect(lines).toContain('USER root');
    expect(lines).toContain('COPY codebox/ /opt/codebox/');
  });

  it('creates user 1000:1000 with home /home/user and bash, and sudo only as the broker client (sandbox-exec), no setuid sudo', () => {
    const run = lines.find((l) => l.startsWith('RUN ')) ?? '';
    expect(run).toContain('useradd -u 1000 -g 1000 -d /home/user -s /bin/bash -m user');
    expect(run).toContain('ln -sfn /opt/codebox/sandbox-exec /usr/local/bin/sudo');
    expect(run).not.toMatch(/apt-get|chmod [u+]*s|\bsudoers\b/);
  });

  it('resets the entrypoint and starts the agent', () => {
    expect(lines).toContain('ENTRYPOINT []');
    expect(lines.at(-1)).toBe('CMD ["/opt/codebox/bin/node", "/opt/codebox/agent.mjs"]');
  });
});

describe('agentLayerContext', () => {
  const dir = mkdtemp(join(tmpdir(), 'codebox-layer-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  async function bundle(kernels: AgentBundle['kernels'], gvisorCompat?: Buffer): Promise<AgentBundle> {
    const nodePath = join(await dir, 'node');
    await writeFile(nodePath, 'fake node binary');
    const agent = Buffer.from('agent code');
    const sandboxExec = Buffer.from('launcher');
    return { agent, sandboxExec, nodePath, nodeSize: 16, nodeVersion: 'v22.0.0', agentSha256: sha256Hex(agent), sandboxExecSha256: sha256Hex(sandboxExec), kernels, gvisorCompat: gvisorCompat && { content: gvisorCompat, sha256: sha256Hex(gvisorCompat) }, addons: [] };
  }

  const file = (path: string, mode: number, text: string) => ({ path, mode, content: Buffer.from(text), sha256: sha256Hex(text) });

  it('packs the Dockerfile and /opt/codebox with every kernel file under codebox/kernels, all root-owned with fixed modes', async () => {
    const kernels = {
      directories: ['bash', 'python', 'python/lib'],
      files: [file('bash/bridge.sh', 0o755, 'echo'), file('python/bridge.py', 0o644, 'print(1)'), file('python/lib/util.py', 0o644, 'x = 1')],
    };
    const entries = await readTar(agentLayerContext('sha256:abc', await bundle(kernels)));
    expect(entries.map((e) => [e.name, e.type, e.mode?.toString(8)])).toEqual([
      ['Dockerfile', 'file', '644'],
      ['codebox', 'directory', '755'],
      ['codebox/bin', 'directory', '755'],
      ['codebox/bin/node', 'file', '755'],
      ['codebox/agent.mjs', 'file', '644'],
      ['codebox/sandbox-exec', 'file', '755'],
      ['codebox/kernels', 'directory', '755'],
      ['codebox/kernels/bash', 'directory', '755'],
      ['codebox/kernels/python', 'directory', '755'],
      ['codebox/kernels/python/lib', 'directory', '755'],
      ['codebox/kernels/bash/bridge.sh', 'file', '755'],
      ['codebox/kernels/python/bridge.py', 'file', '644'],
      ['codebox/kernels/python/lib/util.py', 'file', '644'],
    ]);
    for (const entry of entries) expect([entry.name, entry.uid, entry.gid]).toEqual([entry.name, 0, 0]);
    const bodies = new Map(entries.map((e) => [e.name, e.body.toString()]));
    expect(bodies.get('codebox/kernels/python/lib/util.py')).toBe('x = 1');
    expect(bodies.get('codebox/bin/node')).toBe('fake node binary');
    expect(bodies.get('Dockerfile')).toBe(agentLayerDockerfile('sha256:abc'));
  });

  it('has no kernels directory for an agent double without a code interpreter', async () => {
    const entries = await readTar(agentLayerContext('sha256:abc', await bundle(undefined)));
    expect(entries.filter((e) => e.name.startsWith('codebox/kernels'))).toEqual([]);
    expect(entries.map((e) => e.name)).toContain('codebox/sandbox-exec');
    expect(entries.filter((e) => e.name.startsWith('codebox/lib'))).toEqual([]);
  });

  it("packs the gVisor statx shim at the path runsc sandboxes' /etc/ld.so.preload names", async () => {
    const entries = await readTar(agentLayerContext('sha256:abc', await bundle(undefined, Buffer.from('shim'))));
    const lib = entries.filter((e) => e.name.startsWith('codebox/lib'));
    expect(lib.map((e) => [e.name, e.type, e.mode?.toString(8), e.uid])).toEqual([
      ['codebox/lib', 'directory', '755', 0],
      ['codebox/lib/gvisor-compat.so', 'file', '644', 0],
    ]);
    expect(`/opt/${lib[1]?.name}`).toBe(GVISOR_COMPAT_LIBRARY);
    expect(lib[1]?.body.toString()).toBe('shim');
  });

  it('packs each native add-on beside agent.mjs under its own name, where the agent loads it', async () => {
    const addon = (name: string, text: string) => ({ name, content: Buffer.from(text), sha256: sha256Hex(text) });
    const entries = await readTar(agentLayerContext('sha256:abc', { ...(await bundle(undefined)), addons: [addon('xattr.node', 'x'), addon('thread-identity.node', 't')] }));
    const added = entries.filter((e) => e.name.endsWith('.node'));
    expect(added.map((e) => [e.name, e.type, e.mode?.toString(8), e.uid, e.body.toString()])).toEqual([
      ['codebox/xattr.node', 'file', '644', 0, 'x'],
      ['codebox/thread-identity.node', 'file', '644', 0, 't'],
    ]);
  });
});
