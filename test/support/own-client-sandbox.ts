import { Sandbox } from '@codebox/core-client';
import { ownSandbox, type OwnSandbox } from './own-sandbox.js';
import { TEST_RUNTIME } from './runsc-exclusions.js';

/**
 * A client Sandbox for the running test alone (`await using own = await ownClientSandbox(...)`):
 * named with its template and runtime if the test fails, killed when the scope ends.
 */
export function ownClientSandbox(template: string): Promise<OwnSandbox<Sandbox>> {
  return ownSandbox({
    create: () => Sandbox.create(template),
    label: (sandbox) => ({ sandboxId: sandbox.sandboxId, template, runtime: TEST_RUNTIME }),
    kill: async (sandbox) => {
      await sandbox.kill();
    },
  });
}
