import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCreateNetwork } from '../egress/parse-network.js';
import { readNetworkFile, writeNetworkFile } from './network-file.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('network file', () => {
  it('round-trips the settings; absent reads as undefined, damaged as deny-all', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'network-file-'));
    dirs.push(dir);
    const path = join(dir, 'network.json');
    expect(await readNetworkFile(path)).toBeUndefined();
    const { network } = parseCreateNetwork({ allowOut: ['1.2.3.4'], denyOut: ['0.0.0.0/0'], maskRequestHost: 'h:${PORT}', allowPublicTraffic: false }, true);
    await writeNetworkFile(path, network);
    expect(await readNetworkFile(path)).toEqual(network);
    await writeFile(path, '{"egress":');
    expect((await readNetworkFile(path))?.egress.denyOut).toEqual([{ kind: 'cidr', cidr: '0.0.0.0/0' }]);
  });
});
