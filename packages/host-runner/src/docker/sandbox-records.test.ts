import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { writeExpiryFile } from './expiry-file.js';
import { writeNetworkFile } from './network-file.js';
import { writeOwnerFile } from './owner-file.js';
import { sandboxLabels } from './sandbox-labels.js';
import { sandboxPaths } from './sandbox-paths.js';
import { pooledFromContainer, sandboxRecordFromContainer, startedSandboxRecord } from './sandbox-records.js';

const NETWORK = 'codebox-r1';
let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'codebox-records-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function spec(overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    sandboxId: 'abc123def456ghi789jk',
    tenant: 't1',
    templateId: 'base',
    image: 'codebox/base:1234',
    metadata: { k: 'v' },
    envVars: {},
    allowInternetAccess: true,
    accessToken: 'tok',
    startedAt: new Date(1_000),
    expiresAt: new Date(301_000),
    limits: { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids: 256 },
    runtime: 'runc',
    ...overrides,
  };
}

function listed(s: SandboxSpec): Dockerode.ContainerInfo {
  return {
    Image: s.image,
    State: 'running',
    Labels: sandboxLabels(s, 'r1'),
    NetworkSettings: { Networks: { [NETWORK]: { IPAddress: '172.30.0.5' } } },
  } as unknown as Dockerode.ContainerInfo;
}

describe('records of warm-pool containers', () => {
  it('a pooled container nobody owns is no sandbox, but a pooled one; once handed over it reads back as a cold one would', async () => {
    const pooledSpec = spec({ tenant: '', metadata: {}, accessToken: undefined, startedAt: new Date(500), expiresAt: new Date(9_000_000), pooled: true });
    delete pooledSpec.accessToken;
    const paths = sandboxPaths(dataDir, pooledSpec.sandboxId);
    await mkdir(paths.root, { recursive: true });
    const info = listed(pooledSpec);
    expect(await sandboxRecordFromContainer(info, dataDir, NETWORK)).toBeUndefined();
    expect(await pooledFromContainer(info, dataDir)).toEqual({
      sandboxId: pooledSpec.sandboxId,
      templateId: 'base',
      image: 'codebox/base:1234',
      runtime: 'runc',
      limits: pooledSpec.limits,
      status: 'running',
    });

    // The hand-over's files: what a cold create of the same request would have put in labels.
    const cold = spec({ network: { egress: { allowOut: [], denyOut: [{ kind: 'cidr', cidr: '10.0.0.0/8' }], rules: {} }, allowPublicTraffic: true } });
    await writeOwnerFile(paths.ownerFile, { tenant: cold.tenant, metadata: cold.metadata, accessToken: 'tok', startedAt: cold.startedAt });
    await writeExpiryFile(paths.expiresAtFile, cold.expiresAt);
    await writeNetworkFile(paths.networkFile, cold.network ?? expect.unreachable());
    expect(await pooledFromContainer(info, dataDir)).toBeUndefined();
    const coldPaths = sandboxPaths(join(dataDir, 'cold'), cold.sandboxId);
    await mkdir(coldPaths.root, { recursive: true });
    await writeNetworkFile(coldPaths.networkFile, cold.network ?? expect.unreachable());
    const warmRecord = await sandboxRecordFromContainer(info, dataDir, NETWORK);
    const coldRecord = await sandboxRecordFromContainer(listed(cold), join(dataDir, 'cold'), NETWORK);
    expect(warmRecord).toEqual({ ...coldRecord, agentSocketPath: paths.agentSocket });
    expect(warmRecord).toEqual(startedSandboxRecord(cold, cold.network ?? expect.unreachable(), paths.agentSocket, '172.30.0.5'));
  });

  it('a hand-over the runner died in (creating marker) is incomplete: reaped, never adopted or pooled again', async () => {
    const pooledSpec = spec({ tenant: '', pooled: true });
    const paths = sandboxPaths(dataDir, pooledSpec.sandboxId);
    await mkdir(paths.root, { recursive: true });
    await writeFile(paths.creatingMarker, '');
    expect(await pooledFromContainer(listed(pooledSpec), dataDir)).toMatchObject({ status: 'incomplete' });
    await writeOwnerFile(paths.ownerFile, { tenant: 't1', metadata: {}, startedAt: new Date(1) });
    expect(await sandboxRecordFromContainer(listed(pooledSpec), dataDir, NETWORK)).toMatchObject({ tenant: 't1', status: 'incomplete' });
  });
});
