import { describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { LABEL, parseSandboxLabels, sandboxLabels } from './sandbox-labels.js';

const spec: SandboxSpec = {
  sandboxId: 'abc123',
  tenant: 'ten',
  templateId: 'code-interpreter-v1',
  image: 'img',
  metadata: { a: '1', b: 'two' },
  envVars: { SECRET: 'never in labels' },
  allowInternetAccess: true,
  startedAt: new Date(1_700_000_000_000),
  expiresAt: new Date(1_700_000_300_000),
  limits: { cpuCount: 0.5, memoryMiB: 256, diskMiB: 512, pids: 128 },
};

describe('sandbox labels', () => {
  it('round-trip everything a restarted runner needs', () => {
    const labels = sandboxLabels(spec, 'default');
    expect(labels[LABEL.accessToken]).toBe('');
    expect(JSON.stringify(labels)).not.toContain('never in labels');
    expect(parseSandboxLabels(labels)).toEqual({
      sandboxId: 'abc123',
      tenant: 'ten',
      templateId: 'code-interpreter-v1',
      metadata: { a: '1', b: 'two' },
      allowInternetAccess: true,
      startedAt: spec.startedAt,
      expiresAt: spec.expiresAt,
      limits: spec.limits,
      runtime: 'runc',
    });
  });

  it('carry the runtime, read containers from before the label as runc, and reject unknown runtimes', () => {
    expect(parseSandboxLabels(sandboxLabels({ ...spec, runtime: 'runsc' }, 'r'))?.runtime).toBe('runsc');
    const { [LABEL.runtime]: _none, ...older } = sandboxLabels(spec, 'r');
    expect(parseSandboxLabels(older)?.runtime).toBe('runc');
    for (const bad of ['', 'RUNSC', 'kata', 'runsc ']) {
      expect(parseSandboxLabels({ ...sandboxLabels(spec, 'r'), [LABEL.runtime]: bad })).toBeUndefined();
    }
  });

  it('keeps the access token when there is one', () => {
    expect(parseSandboxLabels(sandboxLabels({ ...spec, accessToken: 't0k' }, 'r'))?.accessToken).toBe('t0k');
  });

  it('rejects incomplete or malformed label sets', () => {
    const labels = sandboxLabels(spec, 'default');
    expect(parseSandboxLabels({ ...labels, [LABEL.metadata]: '[1]' })).toBeUndefined();
    expect(parseSandboxLabels({ ...labels, [LABEL.expiresAt]: 'soon' })).toBeUndefined();
    const { [LABEL.pids]: _dropped, ...noPids } = labels;
    expect(parseSandboxLabels(noPids)).toBeUndefined();
  });
});
