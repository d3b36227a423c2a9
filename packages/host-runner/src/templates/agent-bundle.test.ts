import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultAgentBundlePaths, loadAgentBundle } from './agent-bundle.js';
import { sha256Hex } from './content-hash.js';
import { AgentBundleMissingError } from './errors.js';

const dir = await mkdtemp(join(tmpdir(), 'codebox-bundle-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function paths(kernels: string | undefined) {
  await writeFile(join(dir, 'agent.mjs'), 'agent');
  await writeFile(join(dir, 'sandbox-exec'), 'exec');
  return { agent: join(dir, 'agent.mjs'), sandboxExec: join(dir, 'sandbox-exec'), node: process.execPath, ...(kernels ? { kernels } : {}) };
}

describe('loadAgentBundle', () => {
  it('takes the kernels from beside agent.mjs in the agent build by default', () => {
    const defaults = defaultAgentBundlePaths();
    expect(defaults.kernels).toMatch(/sandbox-agent\/dist\/kernels\/?$/);
    expect(join(defaults.kernels ?? '', '..')).toBe(join(defaults.agent, '..'));
  });

  it('loads the kernel tree with the rest of the bundle', async () => {
    await mkdir(join(dir, 'kernels', 'python'), { recursive: true });
    await writeFile(join(dir, 'kernels', 'python', 'bridge.py'), 'print(1)');
    const bundle = await loadAgentBundle(await paths(join(dir, 'kernels')));
    expect(bundle.agentSha256).toBe(sha256Hex('agent'));
    expect(bundle.nodeVersion).toBe(process.version);
    expect(bundle.kernels?.files.map((f) => f.path)).toEqual(['python/bridge.py']);
  });

  it('fails with AgentBundleMissingError telling to build the agent when the kernels directory is missing', async () => {
    const missing = join(dir, 'no-kernels');
    const error = await loadAgentBundle(await paths(missing)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AgentBundleMissingError);
    expect((error as Error).message).toContain(`missing at ${missing}; build it with \`npm run build -w packages/sandbox-agent\``);
  });

  it('has no kernels when the paths name none (an agent double without a code interpreter)', async () => {
    expect((await loadAgentBundle(await paths(undefined))).kernels).toBeUndefined();
  });
});
