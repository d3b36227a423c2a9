import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One relayed connection: the runner's side, dockerd's side, and what is held back while stalled. */
interface Relay {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Bytes from the runner not yet passed on; undefined while the relay forwards freely. */
  held: Buffer[] | undefined;
  /** Held, then passed on by restore(); dockerd has not answered it yet. */
  late: boolean;
}

/**
 * A unix-socket relay to the real dockerd that a test can cut, stall and restore, so a runner
 * started with `DOCKER_HOST=<proxy.dockerHost>` sees Docker go away or hang without anyone
 * touching the shared dockerd.
 * - cut: open connections are destroyed and the socket stops listening (connects fail);
 * - stall: connections are still accepted, but requests (all, or those matching a pattern) are
 *   held instead of passed on, so dockerd never answers them — a hung dockerd;
 * - restore: held requests are passed on late (the runner may have given up on them by then, as
 *   with a dockerd that was only slow) and everything flows again.
 */
export class DockerProxy {
  readonly dockerHost: string;
  readonly #dir = mkdtempSync(join(tmpdir(), 'codebox-docker-proxy-'));
  readonly #path = join(this.#dir, 'docker.sock');
  readonly #relays = new Set<Relay>();
  #server: Server | undefined;
  /** While set, a request whose first bytes match holds its connection from then on. */
  #stall: RegExp | undefined;

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

  /** Requests held right now (connections whose bytes were not passed on). */
  get held(): number {
    return [...this.#relays].filter((relay) => relay.held !== undefined).length;
  }

  /** Held requests passed on by restore() that dockerd has not answered yet. */
  get late(): number {
    return [...this.#relays].filter((relay) => relay.late).length;
  }

  /** Docker goes away: every connection through the proxy is dropped and new ones are refused. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#stall = undefined;
    for (const { client, upstream } of this.#relays) {
      client.destroy();
      upstream.destroy();
    }
    this.#relays.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Docker hangs: connections are accepted, but a request matching `requests` (its request line
   * and headers, e.g. /^POST \S*\/containers\/create/; default every request) is never passed
   * on, and neither is anything after it on that connection.
   */
  stall(requests = /./): void {
    this.#stall = requests;
  }

  /** Docker is back: held requests go through (late) and new ones flow again. */
  async restore(): Promise<void> {
    this.#stall = undefined;
    for (const relay of this.#relays) this.#release(relay);
    if (this.#server) return;
    const server = createServer((client) => this.#relay(client));
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

  #relay(client: Socket): void {
    const relay: Relay = { client, upstream: createConnection(this.target), held: undefined, late: false };
    this.#relays.add(relay);
    const drop = (): void => {
      client.destroy();
      relay.upstream.destroy();
      this.#relays.delete(relay);
    };
    client.on('error', drop);
    relay.upstream.on('error', drop);
    relay.upstream.on('close', drop);
    client.on('data', (chunk: Buffer) => {
      // Requests on a keep-alive connection come one at a time, each starting a chunk.
      if (relay.held === undefined && this.#stall?.test(chunk.toString('latin1', 0, 4096))) relay.held = [];
      if (relay.held) relay.held.push(chunk);
      else relay.upstream.write(chunk);
    });
    client.on('end', () => {
      // A held request is passed on whole even if the runner gave up on it, as to a dockerd that
      // was only slow (ending dockerd's side too would let it drop the request instead).
      if (!relay.held) relay.upstream.end();
    });
    // Not pipe(): it stops reading dockerd once the runner's side is closed, and a request passed
    // on late must still be read to know dockerd answered (acted on) it.
    relay.upstream.on('data', (chunk: Buffer) => {
      relay.late = false;
      if (client.writable) client.write(chunk);
      else drop();
    });
    relay.upstream.on('end', () => client.end());
  }

  #release(relay: Relay): void {
    const { held } = relay;
    if (held === undefined) return;
    relay.held = undefined;
    relay.late = true;
    for (const chunk of held) relay.upstream.write(chunk);
  }
}
