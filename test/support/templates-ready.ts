import { createLogger, DockerImageBackend, TemplateStore } from '@codebox/host-runner';

/**
 * Vitest global setup of the integration layer: builds the default templates once, before any
 * integration file starts, so a cold machine pays for the build once and no two files race to
 * build the same image.
 */
export default async function setup(): Promise<void> {
  const logger = createLogger({ level: process.env.CODEBOX_LOG_LEVEL === 'debug' ? 'debug' : 'info', pretty: false });
  await new TemplateStore({ logger, images: new DockerImageBackend() }).ensureDefaultTemplates();
}
