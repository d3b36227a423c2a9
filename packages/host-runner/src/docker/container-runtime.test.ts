import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { RuntimeRegistry } from './container-runtime.js';
import { RuntimeNotRegisteredError } from './errors.js';

/** Only `info()` is used: the registry reads dockerd's registered runtimes from it. */
function dockerWith(runtimes: () => string[]): { docker: Dockerode; calls: () => number } {
  let calls = 0;
  const docker = {
    info: async () => {
      calls += 1;
      return { Runtimes: Object.fromEntries(runtimes().map((name) => [name, { path: name }])) };
    },
  } as unknown as Dockerode;
  return { docker, calls: () => calls };
}

describe('RuntimeRegistry', () => {
  it('accepts runc on any dockerd and asks dockerd once while the answer holds', async () => {
    const { docker, calls } = dockerWith(() => ['runc']);
    const registry = new RuntimeRegistry(docker);
    await registry.assertAvailable('runc');
    await registry.assertAvailable('runc');
    expect(calls()).toBe(1);
  });

  it('names what is missing when runsc is not (fully) registered', async () => {
    for (const registered of [['runc'], ['runc', 'runsc'], ['runc', 'codebox-runsc'], ['runc', 'codebox-runsc-offline']]) {
      const error = await new RuntimeRegistry(dockerWith(() => registered).docker).assertAvailable('runsc').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RuntimeNotRegisteredError);
      const typed = error as RuntimeNotRegisteredError;
      expect(typed.name).toBe('RuntimeNotRegisteredError');
      expect(typed.missing.length).toBeGreaterThan(0);
      for (const name of typed.missing) expect(registered).not.toContain(name);
      expect(typed.message).toMatch(/register-runsc\.sh/);
    }
  });

  it('asks dockerd again after a miss, so runsc registered while the runner runs is picked up', async () => {
    let registered = ['runc'];
    const { docker } = dockerWith(() => registered);
    const registry = new RuntimeRegistry(docker);
    await expect(registry.assertAvailable('runsc')).rejects.toBeInstanceOf(RuntimeNotRegisteredError);
    registered = ['runc', 'codebox-runsc', 'codebox-runsc-offline'];
    await expect(registry.assertAvailable('runsc')).resolves.toBeUndefined();
  });
});
