import { afterEach, describe, expect, it } from 'vitest';
import { loadNativeAddon } from './native-addon.js';

const missing = new URL('./no-such-addon.node', import.meta.url);
const built = new URL('../../dist/thread-identity.node', import.meta.url);
const flag = globalThis as { CODEBOX_AGENT_BUNDLE?: boolean };

describe('loadNativeAddon', () => {
  afterEach(() => {
    delete flag.CODEBOX_AGENT_BUNDLE;
  });

  it('loads the add-on beside the agent first', () => {
    expect(loadNativeAddon<{ switchThread: unknown }>(built, ['node:os'])?.switchThread).toBeTypeOf('function');
  });

  it('falls back to the dev candidates outside the bundle, and answers undefined when none loads', () => {
    expect(loadNativeAddon<{ platform: () => string }>(missing, ['node:os'])?.platform()).toBe('linux');
    expect(loadNativeAddon(missing, [new URL('./also-missing.node', import.meta.url)])).toBeUndefined();
  });

  it('never looks past agent.mjs in the bundle: the rest of a sandbox is the template author\'s', () => {
    // build.mjs defines the constant in agent.mjs; a global of that name stands in for it here.
    flag.CODEBOX_AGENT_BUNDLE = true;
    expect(loadNativeAddon(missing, ['node:os'])).toBeUndefined();
    expect(loadNativeAddon<{ switchThread: unknown }>(built, ['node:os'])?.switchThread).toBeTypeOf('function');
  });
});
