import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebox-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(content: unknown): Promise<string> {
  const path = join(dir, 'codebox.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadConfig', () => {
  it('has the documented defaults', async () => {
    const config = await loadConfig({ env: {} });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      runnerName: 'default',
      apiKeys: [],
      sandbox: { defaultTimeoutSeconds: 300, maxTimeoutSeconds: 86_400, limits: { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids: 256 } },
      quotas: { maxSandboxes: 64, maxSandboxesPerTenant: 16 },
      reconcileIntervalSeconds: 30,
      dockerTimeoutSeconds: 60,
    });
    expect((await loadConfig({ env: { CODEBOX_DOCKER_TIMEOUT_SECONDS: '2.5' } })).dockerTimeoutSeconds).toBe(2.5);
    await expect(loadConfig({ env: { CODEBOX_DOCKER_TIMEOUT_SECONDS: '0' } })).rejects.toThrow(/dockerTimeoutSeconds/);
  });

  it('layers file < env < flags, merging nested objects', async () => {
    const file = await configFile({ port: 4000, host: '0.0.0.0', sandbox: { limits: { memoryMiB: 1024, pids: 100 } } });
    const config = await loadConfig({
      env: { CODEBOX_PORT: '5000', CODEBOX_SANDBOX_PIDS: '200', CODEBOX_API_KEYS: 'e2b_aa, e2b_bb' },
      file,
      flags: { port: 6000 },
    });
    expect(config.port).toBe(6000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.sandbox.limits).toEqual({ cpuCount: 1, memoryMiB: 1024, diskMiB: 1024, pids: 200 });
    expect(config.apiKeys).toEqual(['e2b_aa', 'e2b_bb']);
  });

  it('takes the sandbox domain from CODEBOX_DOMAIN (unset: the runner derives localhost:<port>) and refuses what is no host name', async () => {
    expect((await loadConfig({ env: {} })).domain).toBeUndefined();
    expect((await loadConfig({ env: { CODEBOX_DOMAIN: 'sandboxes.example.com' } })).domain).toBe('sandboxes.example.com');
    expect((await loadConfig({ env: { CODEBOX_DOMAIN: 'localhost:3201' } })).domain).toBe('localhost:3201');
    for (const bad of ['https://x.example', 'Upper.example', 'a..b', '-a.example', 'x.example:0', 'x.example/', '*.example.com']) {
      await expect(loadConfig({ env: { CODEBOX_DOMAIN: bad } }), bad).rejects.toThrow(/domain/);
    }
  });

  it('has TLS off by default; takes its files and port from the file, CODEBOX_TLS_* or flags (merged), and refuses half a pair or unknown keys', async () => {
    expect((await loadConfig({ env: {} })).tls).toBeUndefined();
    const file = await configFile({ tls: { certFile: '/c.pem', keyFile: '/k.pem' } });
    expect((await loadConfig({ env: {}, file })).tls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem', port: 3443 });
    expect((await loadConfig({ env: { CODEBOX_TLS_CERT_FILE: '/e.pem', CODEBOX_TLS_KEY_FILE: '/ek.pem' }, file, flags: { tls: { port: 8443 } } })).tls).toEqual({
      certFile: '/e.pem',
      keyFile: '/ek.pem',
      port: 8443,
    });
    await expect(loadConfig({ env: { CODEBOX_TLS_CERT_FILE: '/c.pem' } })).rejects.toThrow(/tls\.keyFile/);
    await expect(loadConfig({ env: {}, file: await configFile({ tls: { certFile: '/c', keyFile: '/k', ca: '/x' } }) })).rejects.toThrow(/tls/);
  });

  it('takes the egress interception\'s extra upstream CA file from CODEBOX_EGRESS_TRUSTED_CA_FILE (unset by default)', async () => {
    expect((await loadConfig({ env: {} })).network.egressTrustedCaFile).toBeUndefined();
    expect((await loadConfig({ env: { CODEBOX_EGRESS_TRUSTED_CA_FILE: '/etc/codebox/upstream-ca.pem' } })).network.egressTrustedCaFile).toBe('/etc/codebox/upstream-ca.pem');
  });

  it('takes the template image grace period in hours, 24 by default, and rejects zero, negatives and more than a year', async () => {
    expect((await loadConfig({ env: {} })).templateImageGraceHours).toBe(24);
    expect((await loadConfig({ env: { CODEBOX_TEMPLATE_IMAGE_GRACE_HOURS: '1.5' } })).templateImageGraceHours).toBe(1.5);
    expect((await loadConfig({ flags: { templateImageGraceHours: 72 } })).templateImageGraceHours).toBe(72);
    for (const bad of ['0', '-1', '9000', 'soon']) {
      await expect(loadConfig({ env: { CODEBOX_TEMPLATE_IMAGE_GRACE_HOURS: bad } })).rejects.toThrow(/TEMPLATE_IMAGE_GRACE_HOURS|templateImageGraceHours/);
    }
  });

  it('takes the rootfs source from CODEBOX_ROOTFS_SOURCE, auto by default, and rejects others', async () => {
    expect((await loadConfig({ env: {} })).rootfsSource).toBe('auto');
    expect((await loadConfig({ env: { CODEBOX_ROOTFS_SOURCE: 'registry' } })).rootfsSource).toBe('registry');
    await expect(loadConfig({ env: { CODEBOX_ROOTFS_SOURCE: 'docker' } })).rejects.toThrow(/rootfsSource/);
  });

  it('takes the runtime from the file, CODEBOX_RUNTIME or the flag (later wins), runc by default, and rejects others', async () => {
    expect((await loadConfig({ env: {} })).runtime).toBe('runc');
    const file = await configFile({ runtime: 'runsc' });
    expect((await loadConfig({ env: {}, file })).runtime).toBe('runsc');
    expect((await loadConfig({ env: { CODEBOX_RUNTIME: 'runc' }, file })).runtime).toBe('runc');
    expect((await loadConfig({ env: { CODEBOX_RUNTIME: 'runc' }, flags: { runtime: 'runsc' } })).runtime).toBe('runsc');
    for (const bad of ['gvisor', 'RUNSC', 'kata-runtime', 'codebox-runsc']) {
      await expect(loadConfig({ env: { CODEBOX_RUNTIME: bad } })).rejects.toThrow(/runtime/);
    }
  });

  it('keeps a warm pool for the default templates unless told otherwise; CODEBOX_POOL and flags set it per template over the file', async () => {
    expect((await loadConfig({ env: {} })).pool).toEqual({ 'code-interpreter-v1': 2, base: 1 });
    expect((await loadConfig({ env: {}, file: await configFile({ pool: {} }) })).pool).toEqual({});
    const file = await configFile({ pool: { base: 3, mine: 1 } });
    expect((await loadConfig({ env: { CODEBOX_POOL: 'base=0,code-interpreter-v1=1' }, file })).pool).toEqual({ base: 0, mine: 1, 'code-interpreter-v1': 1 });
    expect((await loadConfig({ env: { CODEBOX_POOL: 'base=2' }, flags: { pool: { base: 5 } } })).pool).toEqual({ base: 5 });
    await expect(loadConfig({ env: { CODEBOX_POOL: 'base' } })).rejects.toThrow(/CODEBOX_POOL.*template=size/);
    await expect(loadConfig({ env: {}, file: await configFile({ pool: { base: -1 } }) })).rejects.toThrow(ConfigError);
  });

  it('reads the file named by CODEBOX_CONFIG', async () => {
    const file = await configFile({ runnerName: 'ci' });
    expect((await loadConfig({ env: { CODEBOX_CONFIG: file } })).runnerName).toBe('ci');
  });

  it('gives sandboxes host uids from one billion up by default, and refuses system uids or a range past the invalid uid', async () => {
    expect((await loadConfig({ env: {} })).sandboxUids).toEqual({ first: 1_000_000_000, count: 1_000_000 });
    expect((await loadConfig({ flags: { sandboxUids: { first: 300_000, count: 10 } } })).sandboxUids).toEqual({ first: 300_000, count: 10 });
    await expect(loadConfig({ flags: { sandboxUids: { first: 1000 } } })).rejects.toThrow(/sandboxUids\.first/);
    await expect(loadConfig({ flags: { sandboxUids: { first: 4_294_967_000, count: 1000 } } })).rejects.toThrow(/sandboxUids\.count/);
  });

  it('names the offending setting', async () => {
    await expect(loadConfig({ env: { CODEBOX_PORT: 'abc' } })).rejects.toThrow(/CODEBOX_PORT="abc" is not a number/);
    await expect(loadConfig({ env: { CODEBOX_API_KEYS: 'sk-123' } })).rejects.toThrow(/apiKeys\.0: API keys look like e2b_<hex>/);
    await expect(loadConfig({ flags: { sandbox: { limits: { memoryMiB: 1 } } } })).rejects.toThrow(/sandbox\.limits\.memoryMiB/);
    await expect(loadConfig({ flags: { sandbox: { defaultTimeoutSeconds: 600, maxTimeoutSeconds: 60 } } })).rejects.toThrow(/defaultTimeoutSeconds must not exceed/);
    await expect(loadConfig({ file: await configFile({ prot: 1 }) })).rejects.toThrow(/Unrecognized key.*prot/);
    await expect(loadConfig({ file: await configFile('{nope') })).rejects.toBeInstanceOf(ConfigError);
    await expect(loadConfig({ file: join(dir, 'missing.json') })).rejects.toThrow(/Cannot read config file/);
  });
});
