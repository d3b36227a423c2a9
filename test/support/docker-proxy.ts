import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A unix-socket relay to the real dockerd that a test can cut and restore, so a runner started
 * with `DOCKER_HOST=<proxy.dockerHost>` sees Docker go away without anyone stopping the shared
 * dockerd. Cut: open connections are destroyed and the socket stops listening (connects fail).
 */
export class DockerProxy {
  readonly dockerHost: string;
  readonly #dir = mkdtempSync(join(tmpdir(), 'codebox-docker-proxy-'));
  readonly #path = join(this.#dir, 'docker.sock');
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;

  private constructor(private readonly target: string) {
    this.dockerHost = `unix://${this.#path}`;
  }

  static async start(target = '/var/run/docker.sock'): Promise<DockerProxy> {
    const proxy = new DockerProxy(target);
    await proxy.restore();
    return proxy;
  }

  get up(): boolean {
    return this.#server !== undefined;
  }

  /** Docker goes away: every connection through the proxy is dropped and new ones are refused. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Docker is back. */
  async restore(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#path, () => resolve());
    });
    this.#server = server;
  }

  async close(): Promise<void> {
    await this.cut();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
