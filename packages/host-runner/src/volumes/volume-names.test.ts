import { describe, expect, it } from 'vitest';
import { assertVolumeName, generateVolumeId, generateVolumeToken, isVolumeId } from './volume-names.js';

describe('volume names and ids', () => {
  it('takes E2B\'s name pattern, bounded', () => {
    expect(assertVolumeName('my-vol_1')).toBe('my-vol_1');
    for (const bad of ['', 'a b', 'a/b', '..', 'ü', 'x'.repeat(129), 7]) expect(() => assertVolumeName(bad)).toThrow(/Volume name/);
  });

  it('makes ids that are safe path components and tokens that differ', () => {
    const id = generateVolumeId();
    expect(isVolumeId(id)).toBe(true);
    expect(isVolumeId('../x')).toBe(false);
    expect(isVolumeId(`${id}/..`)).toBe(false);
    expect(generateVolumeToken()).not.toBe(generateVolumeToken());
    expect(generateVolumeToken()).toMatch(/^cbv_[A-Za-z0-9_-]{43}$/);
  });
});
