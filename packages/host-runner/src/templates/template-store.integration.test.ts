import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerName } from '../docker/container-spec.js';
import { createDockerClient } from '../docker/docker-client.js';
import { DockerBackend } from '../docker/docker-backend.js';
import { execIn } from '../docker/testing/exec.js';
import { defaultAgentBundlePaths } from './agent-bundle.js';
import { TemplateStore } from './template-store.js';

const docker = createDockerClient();
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'codebox-tpl-it-'));
});
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function newSpec(image: string, templateId: string) {
  const now = Date.now();
  return {
    sandboxId: randomBytes(10).toString('hex'),
    tenant: 't'.repeat(32),
    templateId,
    image,
    metadata: {},
    envVars: {},
    allowInternetAccess: false,
    startedAt: new Date(now),
    expiresAt: new Date(now + 300_000),
    limits: { cpuCount: 1, memoryMiB: 512, diskMiB: 256, pids: 128 },
  };
}

/** Runs with the health-only agent double, so it does not depend on the real agent being built. */
describe('user templates (fixture agent)', () => {
  const name = `codebox-test-user-${randomBytes(3).toString('hex')}`;
  const store = () =>
    new TemplateStore({
      dataDir,
      logger,
      agentBundle: {
        agent: fileURLToPath(new URL('../docker/testing/health-agent.mjs', import.meta.url)),
        sandboxExec: fileURLToPath(new URL('../docker/testing/sandbox-exec.sh', import.meta.url)),
        node: process.execPath,
      },
    });
  let context: string;

  beforeAll(async () => {
    context = await mkdtemp(join(tmpdir(), 'codebox-tpl-ctx-'));
  });
  afterAll(async () => {
    await rm(context, { recursive: true, force: true });
    for (const image of await docker.listImages({ filters: { label: [`codebox.template=${name}`] } })) {
      await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    }
    await docker.getImage(`codebox-build/${name}:latest`).remove({ force: true }).catch(() => undefined);
  });

  it('builds a Dockerfile whose base has another uid-1000 user, adds the agent, keeps the CA out, and caches', async () => {
    const rootfs = await store().ensureBaseRootfs();
    await writeFile(join(context, 'hello.txt'), 'from the context\n');
    await writeFile(
      join(context, 'Dockerfile'),
      [
        `FROM ${rootfs.ref}`,
        'ARG CODEBOX_BUILD_CA_CERT',
        // Ubuntu images ship such a user; the agent layer must turn uid 1000 into `user`.
        'RUN useradd -u 1000 -m -s /bin/sh ubuntu',
        'RUN printf "%s" "$CODEBOX_BUILD_CA_CERT" > /tmp/ca.pem && grep -q "BEGIN CERTIFICATE" /tmp/ca.pem && rm /tmp/ca.pem',
        'COPY hello.txt /etc/hello.txt',
        'USER ubuntu',
        'ENTRYPOINT ["/bin/false"]',
        '',
      ].join('\n'),
    );
    const built = await store().build({ name, contextDir: context });
    expect(built.image).toBe(`codebox/${name}:${built.contentHash}`);
    expect(await store().resolve(name)).toMatchObject({ name, image: built.image, contentHash: built.contentHash });
    expect((await store().list()).map((t) => t.name)).toContain(name);

    const t = Date.now();
    const again = await store().build({ name, contextDir: context });
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(again.contentHash).toBe(built.contentHash);

    const backend = new DockerBackend({ runnerName: `tpl-${randomBytes(3).toString('hex')}`, dataDir, logger });
    await backend.start();
    const spec = newSpec(built.image, name);
    try {
      await backend.create(spec);
      const container = docker.getContainer(containerName(spec.sandboxId));
      expect((await execIn(container, ['cat', '/etc/hello.txt'])).output).toBe('from the context\n');
      expect((await execIn(container, ['getent', 'passwd', '1000'])).output.trim()).toBe('user:x:1000:1000::/home/user:/bin/bash');
      expect((await execIn(container, ['getent', 'passwd', 'ubuntu'])).exitCode).not.toBe(0);
      expect((await execIn(container, ['sh', '-c', 'ls /tmp; grep -rl "BEGIN CERTIFICATE" /tmp /etc/hello.txt || true'])).output.trim()).toBe('');
      const history = await docker.getImage(built.image).inspect();
      expect(history.Config.Entrypoint ?? []).toEqual([]);
      expect(history.Config.Labels).toMatchObject({ 'codebox.template': name, 'codebox.content-hash': built.contentHash });
    } finally {
      await backend.destroy(spec.sandboxId);
      await backend.stop();
    }

    // A changed context is a new image; the old build, unused now, is removed.
    await writeFile(join(context, 'hello.txt'), 'changed\n');
    const changed = await store().build({ name, contextDir: context });
    expect(changed.contentHash).not.toBe(built.contentHash);
    await expect(docker.getImage(built.image).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await store().resolve(name))?.image).toBe(changed.image);
  });
});

const bundle = defaultAgentBundlePaths();
const agentReady = existsSync(bundle.agent) && statSync(bundle.agent).size > 10_000 && existsSync(bundle.sandboxExec);
if (!agentReady) {
  console.warn(
    `Skipping default-template tests: the agent bundle is not built (${bundle.agent}, ${bundle.sandboxExec}); ` +
      'run `npm run build -w packages/sandbox-agent` first.',
  );
}

describe.skipIf(!agentReady)('default templates (real agent)', () => {
  const store = new TemplateStore({ logger });
  const backend = new DockerBackend({ runnerName: `tpl-${randomBytes(3).toString('hex')}`, logger });

  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  it('builds base and code-interpreter-v1, then finds both in the cache in under 2 s', async () => {
    const first = await store.ensureDefaultTemplates();
    expect(first.map((t) => t.name)).toEqual(['base', 'code-interpreter-v1']);
    const t = Date.now();
    const second = await store.ensureDefaultTemplates();
    expect(Date.now() - t).toBeLessThan(2_000);
    expect(second).toEqual(first);
    expect((await store.resolve('base'))?.image).toBe(first[0]?.image);
  });

  it('starts a sandbox from base whose agent answers /health and which has the tools', async () => {
    const base = await store.resolve('base');
    if (!base) throw new Error('base template missing after ensureDefaultTemplates');
    const spec = newSpec(base.image, 'base');
    try {
      const record = await backend.create(spec);
      expect(record.status).toBe('running');
      const container = docker.getContainer(containerName(spec.sandboxId));
      const tools = await execIn(container, ['sh', '-c', 'python3 --version && bash --version | head -1 && curl --version | head -1 && git --version && setpriv --version']);
      expect(tools.exitCode).toBe(0);
      const opt = await execIn(container, ['stat', '-c', '%U %a %n', '/opt/codebox', '/opt/codebox/bin/node', '/opt/codebox/agent.mjs', '/opt/codebox/sandbox-exec']);
      expect(opt.output.trim().split('\n')).toEqual([
        'root 755 /opt/codebox',
        'root 755 /opt/codebox/bin/node',
        'root 644 /opt/codebox/agent.mjs',
        'root 755 /opt/codebox/sandbox-exec',
      ]);
      expect((await execIn(container, ['sh', '-c', 'command -v sudo || echo none'])).output.trim()).toBe('none');
    } finally {
      await backend.destroy(spec.sandboxId);
    }
  });
});
