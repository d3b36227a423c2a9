import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerName } from '../docker/container-spec.js';
import { createDockerClient } from '../docker/docker-client.js';
import { DockerBackend } from '../docker/docker-backend.js';
import { DockerImageBackend } from '../docker/docker-image-backend.js';
import { execIn } from '../docker/testing/exec.js';
import { defaultAgentBundlePaths } from './agent-bundle.js';
import { loadKernelTree } from './kernel-files.js';
import { defaultKernelPackageListPath, readKernelPackages } from './kernel-packages.js';
import type { TemplateImage } from './template-catalog.js';
import { TemplateStore } from './template-store.js';
import { TestPrerequisiteError } from '../../../../test/support/test-prerequisites.js';

const docker = createDockerClient();
const images = new DockerImageBackend(docker);
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
      images,
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
      // The image makes uid 1000 `user`; the sandbox renumbers it to its own host uid (docs/internals.md, "Users").
      const uid = (await container.inspect()).Config.Labels['codebox.uid'];
      expect((await execIn(container, ['getent', 'passwd', 'user'])).output.trim()).toBe(`user:x:${uid}:${uid}::/home/user:/bin/bash`);
      expect((await execIn(container, ['getent', 'passwd', 'ubuntu'])).exitCode).not.toBe(0);
      expect((await execIn(container, ['sh', '-c', 'ls /tmp; grep -rl "BEGIN CERTIFICATE" /tmp /etc/hello.txt || true'])).output.trim()).toBe('');
      const history = await docker.getImage(built.image).inspect();
      expect(history.Config.Entrypoint ?? []).toEqual([]);
      // This runner's pin (stale-images.ts): one tag, and dropping a tag leaves the image.
      expect(history.RepoTags.filter((tag) => tag.startsWith(`codebox/${name}:pin-default-`))).toHaveLength(1);
      await images.tag(history.Id, `codebox/${name}`, 'extra');
      await images.untag(`codebox/${name}:extra`);
      expect((await docker.getImage(built.image).inspect()).RepoTags).toEqual(history.RepoTags);
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

/** The kernel package list as a template builder input, with small packages so apt-get takes seconds. */
describe('templates with added packages (fixture agent)', () => {
  const name = `codebox-test-pkgs-${randomBytes(3).toString('hex')}`;
  let listDir: string;

  beforeAll(async () => {
    listDir = await mkdtemp(join(tmpdir(), 'codebox-tpl-list-'));
  });
  afterAll(async () => {
    await rm(listDir, { recursive: true, force: true });
    // Template images first: a package layer cannot go while an image built on it exists.
    for (const label of [`codebox.template=${name}`, `codebox.packages-for=${name}`]) {
      for (const image of await docker.listImages({ filters: { label: [label] } })) {
        await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
      }
    }
  });

  it('rebuilds the template when the list changes, with the new packages, and drops the old tree', async () => {
    const list = join(listDir, 'debian-packages.txt');
    const store = new TemplateStore({
      dataDir,
      logger,
      images,
      kernelPackageList: list,
      defaultTemplates: [{ name, kernelPackages: true }],
      agentBundle: {
        agent: fileURLToPath(new URL('../docker/testing/health-agent.mjs', import.meta.url)),
        sandboxExec: fileURLToPath(new URL('../docker/testing/sandbox-exec.sh', import.meta.url)),
        node: process.execPath,
      },
    });
    const layers = () => docker.listImages({ filters: { label: [`codebox.packages-for=${name}`], reference: ['codebox/rootfs'] } });
    const has = async (image: string, program: string) => {
      const container = await docker.createContainer({ Image: image, Entrypoint: ['sh', '-c', `command -v ${program}`], Cmd: [] });
      try {
        await container.start();
        return (await container.wait()).StatusCode === 0;
      } finally {
        await container.remove({ force: true });
      }
    };

    await writeFile(list, '# test list\nless\nbash\n');
    const [first] = await store.ensureDefaultTemplates();
    if (!first) throw new Error('no template built');
    expect(await has(first.image, 'less')).toBe(true);
    expect(await has(first.image, 'jq')).toBe(false);
    const firstLayers = await layers();
    expect(firstLayers).toHaveLength(1);

    await writeFile(list, '# test list\njq\n');
    const [second] = await store.ensureDefaultTemplates();
    if (!second) throw new Error('no template built');
    expect(second.contentHash).not.toBe(first.contentHash);
    expect(await has(second.image, 'jq')).toBe(true);
    expect(await has(second.image, 'less')).toBe(false);
    const secondLayers = await layers();
    expect(secondLayers).toHaveLength(1);
    expect(secondLayers[0]?.Id).not.toBe(firstLayers[0]?.Id);
    await expect(docker.getImage(first.image).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 600_000);
});

const bundle = defaultAgentBundlePaths();
/** The default templates carry the built agent; without it these tests fail saying so (they never skip). */
function requireAgentBundle(): void {
  const built =
    existsSync(bundle.agent) && statSync(bundle.agent).size > 10_000 && existsSync(bundle.sandboxExec) && bundle.kernels !== undefined && existsSync(bundle.kernels);
  if (!built) {
    throw new TestPrerequisiteError(
      `the default-template tests need the built agent bundle (${bundle.agent}, ${bundle.sandboxExec}, ${bundle.kernels}); run \`npm run build -w packages/sandbox-agent\` first`,
    );
  }
}

/**
 * What proves a listed kernel package works for the sandbox user. Checks follow the list as it is
 * when the test runs: a package the list drops is no longer checked, one it adds that has a
 * check here is.
 */
const KERNEL_PACKAGE_CHECKS: { listed: RegExp; argv: string[] }[] = [
  { listed: /^python3-ipython$/, argv: ['python3', '-c', 'import IPython'] },
  { listed: /^python3-numpy$/, argv: ['python3', '-c', 'import numpy'] },
  { listed: /^python3-pandas$/, argv: ['python3', '-c', 'import pandas'] },
  { listed: /^python3-matplotlib$/, argv: ['python3', '-c', 'import matplotlib'] },
  { listed: /^r-base-core$/, argv: ['R', '--version'] },
  { listed: /^(openjdk-\d+-jdk(-headless)?|default-jdk(-headless)?)$/, argv: ['javac', '-version'] },
];
const kernelPackages = await readKernelPackages(defaultKernelPackageListPath());
const kernelChecks = KERNEL_PACKAGE_CHECKS.filter((check) => kernelPackages.some((name) => check.listed.test(name)));

/** `find` lines for /opt/codebox/kernels as the dist tree says they must be: root-owned, dirs 0755. */
async function expectedKernelListing(): Promise<string[]> {
  const tree = await loadKernelTree(bundle.kernels ?? '');
  return [
    'root:root 755 d /',
    ...tree.directories.map((dir) => `root:root 755 d /${dir}`),
    ...tree.files.map((file) => `root:root ${file.mode.toString(8)} f /${file.path}`),
  ].sort();
}

/**
 * Another runner on the same dockerd may remove this runner's image: one of a version before pins,
 * or any once this runner's pin aged past the grace period (stale-images.ts).
 */
describe('a default template image removed from under the runner (fixture agent)', () => {
  const name = `codebox-test-heal-${randomBytes(3).toString('hex')}`;
  const dataDir = join(tmpdir(), `codebox-tpl-heal-${randomBytes(3).toString('hex')}`);
  const store = new TemplateStore({
    dataDir,
    logger,
    images,
    defaultTemplates: [{ name, kernelPackages: false }],
    agentBundle: {
      agent: fileURLToPath(new URL('../docker/testing/health-agent.mjs', import.meta.url)),
      sandboxExec: fileURLToPath(new URL('../docker/testing/sandbox-exec.sh', import.meta.url)),
      node: process.execPath,
    },
  });
  afterAll(async () => {
    for (const image of await docker.listImages({ filters: { reference: [`codebox/${name}`] } })) {
      await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is rebuilt, not replaced by whatever `:latest` now names', async () => {
    const [ensured] = await store.ensureDefaultTemplates();
    if (!ensured) throw new Error('no template ensured');
    const rootfs = await store.ensureBaseRootfs();
    await docker.getImage(ensured.image).remove({ force: true });
    // What the other runner leaves: `:latest` on an image that is not this runner's build.
    await docker.getImage(rootfs.ref).tag({ repo: `codebox/${name}`, tag: 'latest' });

    const resolved = await store.resolve(name);
    expect(resolved?.image).toBe(ensured.image);
    const info = await docker.getImage(ensured.image).inspect();
    expect(info.Config?.Labels?.['codebox.template']).toBe(name);
  }, 300_000);
});

describe('default templates (real agent)', () => {
  const store = new TemplateStore({ logger, images });
  const backend = new DockerBackend({ runnerName: `tpl-${randomBytes(3).toString('hex')}`, logger, healthTimeoutMs: 60_000 });
  let templates: TemplateImage[];

  beforeAll(async () => {
    requireAgentBundle();
    await backend.start();
    // Cold on a fresh machine (the integration setup usually got here first): minutes.
    templates = await store.ensureDefaultTemplates();
  }, 1_800_000);
  afterAll(() => backend.stop());

  async function inSandbox(template: string, check: (container: Dockerode.Container) => Promise<void>): Promise<void> {
    const image = templates.find((t) => t.name === template)?.image;
    if (!image) throw new Error(`${template} missing after ensureDefaultTemplates`);
    const spec = { ...newSpec(image, template), limits: { cpuCount: 1, memoryMiB: 1024, diskMiB: 256, pids: 256 } };
    try {
      const record = await backend.create(spec);
      expect(record.status).toBe('running');
      await check(docker.getContainer(containerName(spec.sandboxId)));
    } finally {
      await backend.destroy(spec.sandboxId);
    }
  }

  it('builds base and code-interpreter-v1 on different trees, then finds both in the cache in under 2 s', async () => {
    expect(templates.map((t) => t.name)).toEqual(['base', 'code-interpreter-v1']);
    const t = Date.now();
    const second = await store.ensureDefaultTemplates();
    const cacheHitMs = Date.now() - t;
    expect(cacheHitMs).toBeLessThan(2_000);
    expect(second).toEqual(templates);
    expect((await store.resolve('base'))?.image).toBe(templates[0]?.image);
    const [base, interpreter] = await Promise.all(templates.map((tpl) => docker.getImage(tpl.image).inspect()));
    const layers = (info: typeof base) => info?.RootFS?.Layers ?? [];
    // code-interpreter-v1 is base's tree plus the kernels' packages, not a copy of base.
    expect(layers(interpreter).length).toBeGreaterThan(layers(base).length);
    expect(layers(interpreter)[0]).toBe(layers(base)[0]);
    // Its tree is labelled for the template, so a later change of the list can drop it.
    const trees = await docker.listImages({ filters: { label: ['codebox.packages-for=code-interpreter-v1'] } });
    const treeLayers = await Promise.all(trees.map(async (image) => layers(await docker.getImage(image.Id).inspect())));
    expect(treeLayers.some((tree) => tree.length > 1 && tree.every((layer, i) => layers(interpreter)[i] === layer))).toBe(true);
    console.info(
      `default templates: cache hit ${cacheHitMs} ms; sizes ${templates.map((tpl, i) => `${tpl.name} ${Math.round(([base, interpreter][i]?.Size ?? 0) / 2 ** 20)} MiB`).join(', ')}`,
    );
  });

  it('starts a sandbox from base whose agent answers /health, with the tools and the kernels but not their packages', async () => {
    await inSandbox('base', async (container) => {
      const tools = await execIn(container, ['sh', '-c', 'python3 --version && bash --version | head -1 && curl --version | head -1 && git --version && setpriv --version']);
      expect(tools.exitCode).toBe(0);
      const opt = await execIn(container, ['stat', '-c', '%U %a %n', '/opt/codebox', '/opt/codebox/bin/node', '/opt/codebox/agent.mjs', '/opt/codebox/sandbox-exec']);
      expect(opt.output.trim().split('\n')).toEqual([
        'root 755 /opt/codebox',
        'root 755 /opt/codebox/bin/node',
        'root 644 /opt/codebox/agent.mjs',
        'root 755 /opt/codebox/sandbox-exec',
      ]);
      const kernels = await execIn(container, ['find', '/opt/codebox/kernels', '-printf', '%u:%g %m %y /%P\n']);
      expect(kernels.output.trim().split('\n').sort()).toEqual(await expectedKernelListing());
      expect((await execIn(container, ['python3', '-c', 'import IPython'])).exitCode).not.toBe(0);
      // sudo is only the root broker's client (docs/internals.md, root mode), never a setuid binary.
      expect((await execIn(container, ['readlink', '-f', '/usr/local/bin/sudo'])).output.trim()).toBe('/opt/codebox/sandbox-exec');
    });
  });

  it('starts a sandbox from code-interpreter-v1 with the kernels, and every listed runtime works for the sandbox user', async () => {
    expect(kernelChecks.length).toBeGreaterThan(0);
    await inSandbox('code-interpreter-v1', async (container) => {
      const kernels = await execIn(container, ['find', '/opt/codebox/kernels', '-printf', '%u:%g %m %y /%P\n']);
      expect(kernels.output.trim().split('\n').sort()).toEqual(await expectedKernelListing());
      expect((await execIn(container, ['id', '-un'])).output.trim()).toBe('user');
      expect((await execIn(container, ['id', '-u'])).output.trim()).toBe((await container.inspect()).Config.Labels['codebox.uid']);
      for (const { argv } of kernelChecks) {
        const result = await execIn(container, argv);
        expect({ argv, exitCode: result.exitCode, output: result.exitCode === 0 ? '' : result.output }).toEqual({ argv, exitCode: 0, output: '' });
      }
    });
  });
});
