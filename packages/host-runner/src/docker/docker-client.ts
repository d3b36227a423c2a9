import Dockerode from 'dockerode';
import { reportUnreachableDocker } from './docker-unreachable.js';

/**
 * The runner's one Docker connection. docker-modem reads DOCKER_HOST (and DOCKER_TLS_VERIFY /
 * DOCKER_CERT_PATH) itself and falls back to /var/run/docker.sock, as the docker CLI does.
 */
export function createDockerClient(): Dockerode {
  return reportUnreachableDocker(new Dockerode());
}
