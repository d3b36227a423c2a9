import { describe, expect, it } from 'vitest';
import { poolDecision, type PoolRequest, type PoolShape } from './pool-eligibility.js';

const limits = { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids: 256 };
const shape: PoolShape = { image: 'codebox/code-interpreter-v1:abc', runtime: 'runc', limits };
const request: PoolRequest = { allowInternetAccess: true, volumeMountCount: 0 };

describe('poolDecision', () => {
  it('serves a default request from a container of the current image, runtime and limits', () => {
    expect(poolDecision(request, shape, { ...shape, limits: { ...limits } })).toEqual({ warm: true });
  });

  it.each<[string, PoolRequest, Partial<PoolShape>, RegExp]>([
    ['no network device', { allowInternetAccess: false, volumeMountCount: 0 }, {}, /allowInternetAccess/],
    ['volume mounts', { allowInternetAccess: true, volumeMountCount: 1 }, {}, /volume/],
    ['a newer template build', request, { image: 'codebox/code-interpreter-v1:def' }, /rebuilt/],
    ['another runtime', request, { runtime: 'runsc' }, /runtime/],
    ['other limits', request, { limits: { ...limits, memoryMiB: 1024 } }, /limits/],
  ])('sends %s cold, saying why', (_name, req, pooled, reason) => {
    const decision = poolDecision(req, shape, { ...shape, ...pooled });
    expect(decision.warm).toBe(false);
    expect(decision.warm ? '' : decision.reason).toMatch(reason);
  });
});
