import { describe, expect, it } from 'vitest';
import { useRunner } from '../support/use-runner.js';
import { clients, codeboxClient } from './clients.js';

const runner = useRunner();

describe.each(clients)('tenant isolation through the $name client', ({ module: { Sandbox, SandboxNotFoundError, NotFoundError } }) => {
  it("keeps tenant A's sandbox invisible and untouchable for tenant B", async () => {
    const [keyA, keyB] = runner().keys;
    const sandbox = await Sandbox.create('base', { apiKey: keyA });
    try {
      const seenByB = await Sandbox.list({ apiKey: keyB }).nextItems();
      expect(seenByB.map((s: { sandboxId: string }) => s.sandboxId)).not.toContain(sandbox.sandboxId);
      await expect(Sandbox.getInfo(sandbox.sandboxId, { apiKey: keyB })).rejects.toBeInstanceOf(NotFoundError);
      expect(await Sandbox.kill(sandbox.sandboxId, { apiKey: keyB })).toBe(false);
      await expect(Sandbox.setTimeout(sandbox.sandboxId, 10_000, { apiKey: keyB })).rejects.toBeInstanceOf(NotFoundError);
      await expect(Sandbox.connect(sandbox.sandboxId, { apiKey: keyB })).rejects.toBeInstanceOf(SandboxNotFoundError);
      // Still alive and A's.
      expect((await sandbox.commands.run('echo mine')).stdout).toBe('mine\n');
    } finally {
      await sandbox.kill();
    }
  });
});

describe('the data plane without the sandbox access token', () => {
  it('refuses requests that lack or fake the token', async () => {
    const { Sandbox } = codeboxClient.module;
    const sandbox = await Sandbox.create('base');
    try {
      const headers = { 'E2b-Sandbox-Id': sandbox.sandboxId, 'E2b-Sandbox-Port': '49983' };
      const noToken = await fetch(`${runner().url}/files?path=/etc/hostname`, { headers });
      expect(noToken.status).toBe(401);
      const wrongToken = await fetch(`${runner().url}/files?path=/etc/hostname`, { headers: { ...headers, 'X-Access-Token': 'nope' } });
      expect(wrongToken.status).toBe(401);
      const gone = await fetch(`${runner().url}/health`, { headers: { 'E2b-Sandbox-Id': 'doesnotexist00000000', 'E2b-Sandbox-Port': '49983' } });
      expect(gone.status).toBe(502);
      expect(await gone.json()).toMatchObject({ code: 502, sandboxId: 'doesnotexist00000000' });
    } finally {
      await sandbox.kill();
    }
  });
});
