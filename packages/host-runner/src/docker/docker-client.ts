import { createRequire } from 'node:module';
import Dockerode from 'dockerode';
import { applyDockerDeadlines, DEFAULT_DOCKER_REQUEST_TIMEOUT_MS } from './docker-deadline.js';
import { reportUnreachableDocker } from './docker-unreachable.js';

/** docker-modem's request layer (a follow-redirects fork); `maxRedirects` is read on every request. */
interface ModemHttp {
  maxRedirects: number;
}

// Resolved from dockerode's own location: docker-modem is its dependency, not ours.
const requireFromDockerode = createRequire(createRequire(import.meta.url).resolve('dockerode'));

/**
 * docker-modem follows 3xx answers by default, to whatever host the `Location` names. dockerd
 * answers 301 to a path with `..` in it, with a Location built from that path, so a name that
 * slipped past validation (`base/../../127.0.0.1:8080/x`) would make the runner send a request
 * to any host:port (SSRF), and the follow-up request has no error listener, so its failure was
 * an uncaught exception. dockerd never redirects a well-formed call: refuse them all. With 0,
 * docker-modem fails the original request (which has an error listener) before it makes
 * another.
 */
export function disableDockerRedirects(): void {
  const modemHttp = requireFromDockerode('docker-modem/lib/http.js') as ModemHttp;
  modemHttp.maxRedirects = 0;
}

export interface DockerClientOptions extends Dockerode.DockerOptions {
  /** Deadline of each request/response call (see docker-deadline.ts). Default DEFAULT_DOCKER_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
}

/**
 * The runner's one Docker connection. docker-modem reads DOCKER_HOST (and DOCKER_TLS_VERIFY /
 * DOCKER_CERT_PATH) itself and falls back to /var/run/docker.sock, as the docker CLI does.
 * Calls fail with typed errors: DockerUnreachableError when nothing answers at the socket,
 * DockerTimeoutError when dockerd accepts but does not answer in time.
 */
export function createDockerClient({ requestTimeoutMs = DEFAULT_DOCKER_REQUEST_TIMEOUT_MS, ...options }: DockerClientOptions = {}): Dockerode {
  disableDockerRedirects();
  // Unreachable innermost: an aborted call is reported as the timeout, not as a dropped socket.
  return applyDockerDeadlines(reportUnreachableDocker(new Dockerode(options)), requestTimeoutMs);
}
