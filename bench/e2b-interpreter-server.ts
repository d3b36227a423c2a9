/**
 * E2B's own interpreter server (e2b-dev/code-interpreter's template: Jupyter plus its FastAPI
 * server on 49999), started beside our sandboxes when its image is present;
 * bench/e2b-server-image/build.ts builds that image (docs/benchmarks.md says how). Published on 127.0.0.1 only.
 */
import type Docker from 'dockerode';
import { BENCH_LABEL } from './plain-container.ts';

export const E2B_IMAGE = process.env.BENCH_E2B_IMAGE ?? 'e2b-code-interpreter:local';

/** Labels bench/e2b-server-image/build.ts gives the image: what it was built from. */
export const VERSIONS_LABEL = 'codebox.e2b-baseline.versions';
export const SOURCE_LABEL = 'codebox.e2b-baseline.source';
/** The report figure (the runCode rows) that carries them to docs/benchmarks.md. */
export const E2B_IMAGE_FIGURE = "E2B's server image";

/** "built from Debian 13 packages: fastapi 0.115.11 (E2B pins 0.111.0), ...; from e2b-dev/code-interpreter@…", or undefined for an image without the labels. */
export async function e2bImageDescription(docker: Docker, image: string = E2B_IMAGE): Promise<string | undefined> {
  const labels = (await docker.getImage(image).inspect()).Config.Labels ?? {};
  const versions = labels[VERSIONS_LABEL];
  if (!versions) return undefined;
  return `${versions}${labels[SOURCE_LABEL] ? `; server code from ${labels[SOURCE_LABEL]}` : ''}`;
}

export async function e2bImagePresent(docker: Docker): Promise<boolean> {
  try {
    await docker.getImage(E2B_IMAGE).inspect();
    return true;
  } catch {
    return false;
  }
}

export class E2bInterpreterServer {
  readonly #container: Docker.Container;
  readonly url: string;

  private constructor(container: Docker.Container, url: string) {
    this.#container = container;
    this.url = url;
  }

  /**
   * Starts the image's start script and waits (up to two minutes) for GET /health. E2B_LOCAL is
   * how E2B's own Makefile runs the image: without it the server asks envd (port 49983, absent
   * outside E2B's VMs) for environment variables on the first execution and fails it.
   */
  static async start(docker: Docker, image: string = E2B_IMAGE): Promise<E2bInterpreterServer> {
    const container = await docker.createContainer({
      Image: image,
      Cmd: ['/root/.jupyter/start-up.sh'],
      Env: ['E2B_LOCAL=true'],
      Labels: { [BENCH_LABEL]: String(process.pid) },
      ExposedPorts: { '49999/tcp': {} },
      HostConfig: { PortBindings: { '49999/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    try {
      await container.start();
      const port = (await container.inspect()).NetworkSettings.Ports['49999/tcp']?.[0]?.HostPort;
      if (!port) throw new Error("E2B's server container published no port");
      const server = new E2bInterpreterServer(container, `http://127.0.0.1:${port}`);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const ok = await fetch(`${server.url}/health`).then((r) => r.ok, () => false);
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`E2B's server did not answer /health within 120 s; its output ends:\n${await logTail(container)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      return server;
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** POST /execute, the whole streamed answer read; throws unless it holds a result. */
  async execute(code: string, language: 'python' | 'javascript'): Promise<void> {
    const res = await fetch(`${this.url}/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, language }) });
    const text = await res.text();
    if (!res.ok || !text.includes('"result"')) throw new Error(`E2B's server answered ${res.status}: ${text.slice(0, 200)}`);
  }

  async close(): Promise<void> {
    await this.#container.remove({ force: true }).catch(() => undefined);
  }
}

/** The last lines of a container's output (stdout and stderr, docker's multiplexed frames undone). */
async function logTail(container: Docker.Container, lines = 20): Promise<string> {
  const raw = await container.logs({ stdout: true, stderr: true, tail: lines, follow: false }).catch(() => Buffer.alloc(0));
  const chunks: Buffer[] = [];
  for (let at = 0; at + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(at + 4);
    chunks.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(chunks).toString('utf8').trimEnd();
}
