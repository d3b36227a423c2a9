import { describe, expect, it } from 'vitest';
import { MAX_VOLUME_MOUNTS, parseVolumeMounts } from './volume-mounts.js';

describe('parseVolumeMounts', () => {
  it('accepts E2B\'s [{name, path}] and normalises the paths', () => {
    expect(parseVolumeMounts(undefined)).toEqual([]);
    expect(parseVolumeMounts(null)).toEqual([]);
    expect(parseVolumeMounts([{ name: 'data', path: '/mnt/data/' }, { name: 'cache_1', path: '/home/user/./cache' }])).toEqual([
      { name: 'data', path: '/mnt/data' },
      { name: 'cache_1', path: '/home/user/cache' },
    ]);
  });

  it.each([
    ['not an array', { data: '/mnt' }, 'array'],
    ['an entry that is not an object', ['data'], 'volumeMounts[0] must be an object'],
    ['an unknown field', [{ name: 'd', path: '/mnt/d', readOnly: true }], 'volumeMounts[0].readOnly is not supported'],
    ['a bad name', [{ name: 'a b', path: '/mnt/d' }], 'volumeMounts[0].name'],
    ['a relative path', [{ name: 'd', path: 'mnt/d' }], 'absolute'],
    ['the root', [{ name: 'd', path: '//' }], '"/"'],
    ['a dot-dot', [{ name: 'd', path: '/mnt/../etc' }], '".."'],
    ['/proc', [{ name: 'd', path: '/proc' }], 'under /proc'],
    ['below /sys', [{ name: 'd', path: '/sys/fs' }], 'under /sys'],
    ['below /dev', [{ name: 'd', path: '/dev/shm' }], 'under /dev'],
    ['the agent socket dir', [{ name: 'd', path: '/run/codebox' }], 'under /run/codebox'],
    ['the agent files', [{ name: 'd', path: '/opt/codebox/x' }], 'under /opt/codebox'],
    ['the home directory itself', [{ name: 'd', path: '/home/user' }], 'already a mount'],
    ['/tmp itself', [{ name: 'd', path: '/tmp/' }], 'already a mount'],
    ['the same path twice', [{ name: 'a', path: '/mnt/x' }, { name: 'b', path: '/mnt/./x' }], 'mounted twice'],
    ['a NUL byte', [{ name: 'd', path: '/mnt/\0' }], 'NUL'],
  ])('refuses %s, naming it', (_, value, words) => {
    expect(() => parseVolumeMounts(value)).toThrow(expect.objectContaining({ name: 'InvalidVolumeRequestError', message: expect.stringContaining(words) }));
  });

  it('bounds the number of mounts', () => {
    const many = Array.from({ length: MAX_VOLUME_MOUNTS + 1 }, (_, i) => ({ name: 'v', path: `/mnt/${i}` }));
    expect(() => parseVolumeMounts(many)).toThrow(/at most/);
  });
});
