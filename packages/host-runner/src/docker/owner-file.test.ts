import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOwnerFile, writeOwnerFile } from './owner-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebox-owner-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('owner file', () => {
  it('reads back what was written, tokens only when there were some; mode 0600', async () => {
    const path = join(dir, 'owner.json');
    const owner = { tenant: 't1', metadata: { k: 'v' }, accessToken: 'a', startedAt: new Date(1_700_000_000_000) };
    await writeOwnerFile(path, owner);
    expect(await readOwnerFile(path)).toEqual(owner);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await writeOwnerFile(path, { tenant: 't2', metadata: {}, startedAt: new Date(5) });
    expect(await readOwnerFile(path)).toEqual({ tenant: 't2', metadata: {}, startedAt: new Date(5) });
  });

  it("is undefined when absent or damaged: such a container is nobody's sandbox", async () => {
    expect(await readOwnerFile(join(dir, 'none.json'))).toBeUndefined();
    const damaged = join(dir, 'damaged.json');
    await writeFile(damaged, '{"tenant": 1}');
    expect(await readOwnerFile(damaged)).toBeUndefined();
    await writeFile(damaged, 'not json');
    expect(await readOwnerFile(damaged)).toBeUndefined();
  });
});
