import { describe, expect, it } from 'vitest';
import { InvalidSandboxSpecError } from './errors.js';
import { sandboxPaths } from './sandbox-paths.js';

describe('sandboxPaths', () => {
  it('keeps every file of a sandbox under its own directory', () => {
    expect(sandboxPaths('/data', 'abc123')).toEqual({
      root: '/data/sandboxes/abc123',
      runDir: '/data/sandboxes/abc123/run',
      agentSocket: '/data/sandboxes/abc123/run/agent.sock',
      homeImage: '/data/sandboxes/abc123/home.img',
      homeMount: '/data/sandboxes/abc123/home',
      expiresAtFile: '/data/sandboxes/abc123/expires-at',
      networkFile: '/data/sandboxes/abc123/network.json',
      ownerFile: '/data/sandboxes/abc123/owner.json',
      creatingMarker: '/data/sandboxes/abc123/creating',
    });
  });

  it('refuses ids that could escape that directory', () => {
    for (const id of ['', '..', '../x', 'a/b', 'A1']) expect(() => sandboxPaths('/data', id)).toThrow(InvalidSandboxSpecError);
  });
});
