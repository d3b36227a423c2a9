import { describe, expect, it } from 'vitest';
import { agentLayerDockerfile } from './agent-layer.js';

describe('agentLayerDockerfile', () => {
  const dockerfile = agentLayerDockerfile('sha256:abc');
  const lines = dockerfile.trim().split('\n');

  it('builds on the given image as root and copies the agent into /opt/codebox', () => {
    expect(lines[0]).toBe('FROM sha256:abc');
    expect(lines).toContain('USER root');
    expect(lines).toContain('COPY codebox/ /opt/codebox/');
  });

  it('creates user 1000:1000 with home /home/user and bash, without sudo', () => {
    const run = lines.find((l) => l.startsWith('RUN ')) ?? '';
    expect(run).toContain('useradd -u 1000 -g 1000 -d /home/user -s /bin/bash -m user');
    expect(run).not.toMatch(/sudo/);
  });

  it('resets the entrypoint and starts the agent', () => {
    expect(lines).toContain('ENTRYPOINT []');
    expect(lines.at(-1)).toBe('CMD ["/opt/codebox/bin/node", "/opt/codebox/agent.mjs"]');
  });
});
