import { Sandbox } from '@codebox/core-client';
import { ownSandbox, type OwnSandbox } from './own-sandbox.js';

/**
 * A client Sandbox for the running test alone (`await using own = await ownClientSandbox(...)`):
 * named with its template and runtime if the test fails, killed when the scope ends.
 */
export function ownClientSandbox(template: string): Promise<OwnSandbox<Sandbox>> {
  return ownSandbox({
    create: () => Sandbox.create(template),
    // The runners test/support starts inherit CODEBOX_RUNTIME; without it they run runc.
    label: (sandbox) => ({ sandboxId: sandbox.sandboxId, template, runtime: process.env.CODEBOX_RUNTIME ?? 'runc' }),
    kill: async (sandbox) => {
      await sandbox.kill();
    },
  });
}
