import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NO_NEW_PRIVS_PROBE } from '../support/no-new-privs.js';
import { useRunner } from '../support/use-runner.js';
import { clients, codeboxClient } from './clients.js';

const runner = useRunner();

const post = (path: string, body: string, key?: string): Promise<Response> =>
  fetch(`${runner().url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(key === undefined ? {} : { 'X-API-KEY': key }) },
    body,
  });

describe('control plane rejects bad requests with E2B error bodies', () => {
  it('answers 401 for a missing or unknown key', async () => {
    const missing = await post('/sandboxes', JSON.stringify({ templateID: 'base' }));
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ code: 401, message: expect.any(String) });
    const wrong = await post('/sandboxes', JSON.stringify({ templateID: 'base' }), 'e2b_00000000000000000000');
    expect(wrong.status).toBe(401);
  });

  it('answers 400 for malformed JSON and invalid fields', async () => {
    const malformed = await post('/sandboxes', '{"templateID": ', runner().keys[0]);
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 400, message: expect.any(String) });
    const invalid = await post('/sandboxes', JSON.stringify({ templateID: 'base', timeout: 'soon' }), runner().keys[0]);
    expect(invalid.status).toBe(400);
    const tooLong = await post('/sandboxes', JSON.stringify({ templateID: 'base', timeout: 25 * 3600 }), runner().keys[0]);
    expect(tooLong.status).toBe(400);
  });

  it('answers 404 naming the templates that exist for an unknown template, and starts nothing', async () => {
    const res = await post('/sandboxes', JSON.stringify({ templateID: 'no-such-template' }), runner().keys[0]);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { message: string };
    expect(body.message).toContain('no-such-template');
    expect(body.message).toContain('base');
    expect(runner().containerIds()).toEqual([]);
  });
});

describe.each(clients)('typed errors through the $name client', ({ module }) => {
  const { Sandbox, AuthenticationError, FileNotFoundError, SandboxError } = module;

  it('maps a wrong key to AuthenticationError', async () => {
    await expect(Sandbox.create('base', { apiKey: 'e2b_0123456789abcdef' })).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('keeps path tricks inside the sandbox and away from the agent', async () => {
    const sandbox = await Sandbox.create('base');
    try {
      // Traversal resolves inside the sandbox's own filesystem, never the host's.
      const marker = `codebox-escape-${sandbox.sandboxId}`;
      await sandbox.files.write(`../../../../../tmp/${marker}`, 'x');
      expect(existsSync(`/tmp/${marker}`)).toBe(false);
      expect((await sandbox.commands.run(`cat /tmp/${marker}`)).stdout).toBe('x');

      // The agent's files and socket are out of reach, directly and through symlinks.
      await expect(sandbox.files.write('/opt/codebox/agent.mjs', 'x')).rejects.toBeInstanceOf(SandboxError);
      await expect(sandbox.files.read('/run/codebox/agent.sock')).rejects.toBeInstanceOf(SandboxError);
      await sandbox.commands.run('ln -s /run/codebox/agent.sock /home/user/sock; ln -s /etc/shadow /home/user/shadow');
      await expect(sandbox.files.read('/home/user/shadow')).rejects.toBeInstanceOf(SandboxError);
      await expect(sandbox.files.write('/home/user/sock', 'x')).rejects.toBeInstanceOf(SandboxError);
      const agentStillThere = await sandbox.commands.run('echo ok');
      expect(agentStillThere.stdout).toBe('ok\n');

      await expect(sandbox.files.read('/home/user/a\u0000b')).rejects.toBeInstanceOf(SandboxError);
      await expect(sandbox.files.write(`/home/user/${'n'.repeat(5000)}`, 'x')).rejects.toBeInstanceOf(SandboxError);
      await expect(sandbox.files.read('/home/user/does-not-exist')).rejects.toBeInstanceOf(FileNotFoundError);
      await expect(sandbox.files.read('/home/user', { format: 'text' })).rejects.toBeInstanceOf(SandboxError);
    } finally {
      await sandbox.kill();
    }
  });

  it('kills twice without error', async () => {
    const sandbox = await Sandbox.create('base');
    await sandbox.kill();
    await sandbox.kill();
    expect(await Sandbox.kill(sandbox.sandboxId)).toBe(false);
  });
});

describe('user code cannot harm the agent or the host', () => {
  it('runs as an unprivileged user that cannot signal the agent', async () => {
    const { Sandbox } = codeboxClient.module;
    const sandbox = await Sandbox.create('base');
    try {
      const status = await sandbox.commands.run('grep -E "^(CapEff|CapBnd)" /proc/self/status');
      expect(status.stdout).toMatch(/CapEff:\s+0000000000000000/);
      expect(status.stdout).toMatch(/CapBnd:\s+0000000000000000/);
      // So no setuid or file-capability program can raise them again.
      expect((await sandbox.commands.run(NO_NEW_PRIVS_PROBE)).stdout).toBe('1\n');
      // `kill -9 -1` also kills the shell that runs it, so this command itself fails.
      await sandbox.commands.run('pkill -9 -f agent.mjs; kill -9 -1').catch(() => undefined);
      expect((await sandbox.commands.run('echo still-up')).stdout).toBe('still-up\n');
      // sudo is only the root broker's client (sandbox-exec), never a setuid program.
      const sudo = await sandbox.commands.run('stat -L -c %a "$(command -v sudo)"');
      expect(sudo.stdout).toBe('755\n');
    } finally {
      await sandbox.kill();
    }
  });
});
