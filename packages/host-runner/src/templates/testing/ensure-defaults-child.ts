// Child process of template-lock.integration.test.ts: one "runner" calling
// ensureDefaultTemplates() with a test-only template name (so the shared defaults stay untouched)
// and the health-only agent. Logs go to stderr as JSON; the result goes to stdout as JSON.
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createDockerClient } from '../../docker/docker-client.js';
import { DockerImageBackend } from '../../docker/docker-image-backend.js';
import { TemplateStore } from '../template-store.js';

const [dataDir, templateName] = process.argv.slice(2);
if (!dataDir || !templateName) throw new Error('usage: ensure-defaults-child.ts <dataDir> <templateName>');

const docker = createDockerClient();
const store = new TemplateStore({
  dataDir,
  images: new DockerImageBackend(docker),
  logger: pino({ level: 'info' }, pino.destination(2)),
  defaultTemplates: [{ name: templateName, kernelPackages: false }],
  agentBundle: {
    agent: fileURLToPath(new URL('../../docker/testing/health-agent.mjs', import.meta.url)),
    sandboxExec: fileURLToPath(new URL('../../docker/testing/sandbox-exec.sh', import.meta.url)),
    node: process.execPath,
  },
});
// Node's type stripping leaves `await using` to V8, which Node 22 lacks: released by hand.
const templates = await store.ensureDefaultTemplates().finally(() => store.releasePins());
const images = [];
for (const template of templates) images.push({ image: template.image, id: (await docker.getImage(template.image).inspect()).Id });
process.stdout.write(`${JSON.stringify(images)}\n`);
