import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { TemplateStore } from '../../templates/template-store.js';
import { DockerImageBackend } from '../docker-image-backend.js';

/** Name of the test-only template whose agent is the health-only double in this directory. */
export const FIXTURE_TEMPLATE = 'codebox-test-health-agent';

/**
 * Builds the default Debian rootfs (cached) plus the agent layer with the health-only agent, so
 * backend tests exercise real containers without waiting on the real agent.
 */
export async function buildFixtureTemplate(dataDir: string, logger: Logger): Promise<string> {
  await using store = new TemplateStore({
    dataDir,
    logger,
    images: new DockerImageBackend(),
    agentBundle: {
      agent: fileURLToPath(new URL('health-agent.mjs', import.meta.url)),
      sandboxExec: fileURLToPath(new URL('sandbox-exec.sh', import.meta.url)),
      node: process.execPath,
    },
  });
  const rootfs = await store.ensureBaseRootfs();
  const context = await mkdtemp(join(tmpdir(), 'codebox-fixture-'));
  try {
    await writeFile(join(context, 'Dockerfile'), `FROM ${rootfs.ref}\n`);
    return (await store.build({ name: FIXTURE_TEMPLATE, contextDir: context })).image;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
