import { afterAll, beforeAll } from 'vitest';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { API_KEY, FakeRunner } from './fake-runner.js';

/**
 * A fake runner started for the calling test file, with one sandbox created on it before the
 * tests run. `fixture.sandbox` is set once `beforeAll` has run.
 */
export function useFakeSandbox(): { readonly runner: FakeRunner; sandbox: Sandbox } {
  const fixture = { runner: new FakeRunner(), sandbox: undefined as unknown as Sandbox };
  beforeAll(async () => {
    await fixture.runner.start();
    fixture.sandbox = await Sandbox.create({ apiKey: API_KEY, apiUrl: fixture.runner.url });
  });
  afterAll(() => fixture.runner.stop());
  return fixture;
}
