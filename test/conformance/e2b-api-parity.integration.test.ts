import { Template } from 'e2b';
import { describe, expect, it } from 'vitest';
import { useRunner } from '../support/use-runner.js';
import { clients } from './clients.js';

const runner = useRunner();

/** Control-plane answers E2B's suites expect (js-sdk tests/template/exists.test.ts, tests/api/list.test.ts). */
describe('E2B control-plane parity (official SDK)', () => {
  it('Template.exists is true for the built templates and false for others', async () => {
    const opts = { apiKey: runner().keys[0], apiUrl: runner().url };
    expect(await Template.exists('base', opts)).toBe(true);
    expect(await Template.exists('code-interpreter-v1', opts)).toBe(true);
    expect(await Template.exists('no-such-template', opts)).toBe(false);
  });
});

describe.each(clients)('list filters ($name client)', ({ module: { Sandbox } }) => {
  it('startedAfter includes a sandbox started at exactly that time', async () => {
    const sandbox = await Sandbox.create('base', { metadata: { parity: 'started-after' } });
    try {
      const info = await sandbox.getInfo();
      const listed = await Sandbox.list({ query: { metadata: { parity: 'started-after' }, startedAfter: info.startedAt } }).nextItems();
      expect(listed.map((s: { sandboxId: string }) => s.sandboxId)).toContain(sandbox.sandboxId);
    } finally {
      await sandbox.kill();
    }
  });
});
