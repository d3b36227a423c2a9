import { createLogger, DockerImageBackend, TemplateStore } from '@codebox/host-runner';

/**
 * Vitest global setup of the integration layer: builds the default templates once, before any
 * integration file starts, so a cold machine pays for the build once and no two files race to
 * build the same image.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const logger = createLogger({ level: process.env.CODEBOX_LOG_LEVEL === 'debug' ? 'debug' : 'info', pretty: false });
  const store = new TemplateStore({ logger, images: new DockerImageBackend() });
  await store.ensureDefaultTemplates();
  // Teardown: the build pinned the images it made as this process's; once the tests are done those
  // pins protect nothing, so they are released rather than left to age out over the grace period.
  return () => store.releasePins();
}
