import { describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { agentSandboxEnvs, containerSpec, HARDENING, type ContainerSpecContext } from './container-spec.js';
import { InvalidSandboxSpecError } from './errors.js';

const MiB = 1024 * 1024;

function spec(overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    sandboxId: 'abc123def456ghi789jk',
    tenant: '0123456789abcdef0123456789abcdef',
    templateId: 'base',
    image: 'codebox/base:1234',
    metadata: { purpose: 'test' },
    envVars: { FOO: 'bar' },
    allowInternetAccess: false,
    accessToken: 'tok',
    startedAt: new Date(1_000),
    expiresAt: new Date(301_000),
    limits: { cpuCount: 1.5, memoryMiB: 512, diskMiB: 1024, pids: 256 },
    ...overrides,
  };
}

const loopCtx: ContainerSpecContext = {
  runnerName: 'r1',
  runDir: '/var/lib/codebox/sandboxes/abc123def456ghi789jk/run',
  home: { kind: 'loop', hostPath: '/var/lib/codebox/sandboxes/abc123def456ghi789jk/home' },
  user: { uid: 1_000_123, gid: 1_000_123 },
  accounts: { passwd: '/var/lib/codebox/sandboxes/abc123def456ghi789jk/etc/passwd', group: '/var/lib/codebox/sandboxes/abc123def456ghi789jk/etc/group' },
};

describe('containerSpec', () => {
  const body = containerSpec(spec(), loopCtx);
  const host = body.HostConfig;

  it('names the container after the sandbox and runs the agent as root with its socket env', () => {
    expect(body.name).toBe('codebox-abc123def456ghi789jk');
    expect(body.Image).toBe('codebox/base:1234');
    expect(body.Cmd).toEqual(['/opt/codebox/bin/node', '/opt/codebox/agent.mjs']);
    expect(body.Entrypoint).toEqual([]);
    expect(body.User).toBe('0:0');
    expect(body.WorkingDir).toBe('/home/user');
    expect(body.Env).toEqual(['CODEBOX_AGENT_SOCKET=/run/codebox/agent.sock', 'NODE_COMPILE_CACHE=/opt/codebox/compile-cache', 'CODEBOX_SANDBOX_ENVS={"FOO":"bar"}']);
  });

  it('binds a bridge sandbox\'s egress CA bundle read-only over the system bundle and points TLS stacks at it; the caller\'s variables win', () => {
    const bundle = '/var/lib/codebox/sandboxes/abc123def456ghi789jk/egress-ca/ca-certificates.crt';
    const online = containerSpec(spec({ allowInternetAccess: true, envVars: { FOO: 'bar', CURL_CA_BUNDLE: '/mine.pem' } }), { ...loopCtx, networkName: 'codebox-r1', egressCaBundle: bundle });
    expect(online.HostConfig.Mounts).toContainEqual({ Type: 'bind', Source: bundle, Target: '/etc/ssl/certs/ca-certificates.crt', ReadOnly: true });
    const envs = JSON.parse((online.Env ?? []).find((entry) => entry.startsWith('CODEBOX_SANDBOX_ENVS='))?.slice('CODEBOX_SANDBOX_ENVS='.length) ?? '{}') as Record<string, string>;
    expect(envs).toEqual({
      FOO: 'bar',
      SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
      NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
      REQUESTS_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt',
      CURL_CA_BUNDLE: '/mine.pem',
    });
    expect(JSON.stringify(online)).not.toContain('key.pem');
  });

  it('starts a warm-pool agent pooled (its env vars come at hand-over), from the same env map a cold one gets', () => {
    const pooled = containerSpec(spec({ pooled: true, envVars: {} }), loopCtx);
    expect(pooled.Env).toContain('CODEBOX_POOLED=1');
    expect(pooled.Labels).toMatchObject({ 'codebox.pooled': 'true' });
    expect(body.Env).not.toContain('CODEBOX_POOLED=1');
    expect(body.Labels?.['codebox.pooled']).toBeUndefined();
    expect(agentSandboxEnvs({ CURL_CA_BUNDLE: '/mine.pem' }, true)).toMatchObject({ SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt', CURL_CA_BUNDLE: '/mine.pem' });
    expect(agentSandboxEnvs({ FOO: 'bar' }, false)).toEqual({ FOO: 'bar' });
  });

  it('keeps only the capabilities the agent needs and forbids privilege gain', () => {
    expect(host.CapDrop).toEqual(['ALL']);
    expect(host.CapAdd).toEqual(['SETUID', 'SETGID', 'SETPCAP', 'KILL']);
    expect(host.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(host.SecurityOpt?.some((o: string) => o.startsWith('seccomp'))).toBe(false);
    expect(host.Privileged).toBe(false);
  });

  it('names the Docker runtime explicitly: runc by default, the runsc registration that fits the network', () => {
    expect(host.Runtime).toBe('runc');
    expect(containerSpec(spec({ runtime: 'runc', allowInternetAccess: true }), { ...loopCtx, networkName: 'n' }).HostConfig.Runtime).toBe('runc');
    expect(containerSpec(spec({ runtime: 'runsc' }), loopCtx).HostConfig.Runtime).toBe('codebox-runsc-offline');
    const online = containerSpec(spec({ runtime: 'runsc', allowInternetAccess: true }), { ...loopCtx, networkName: 'n' });
    expect(online.HostConfig.Runtime).toBe('codebox-runsc');
    expect(online.HostConfig.NetworkMode).toBe('n');
    // The isolation level changes nothing else but where the pids and memory limits are enforced.
    const { Runtime: _a, PidsLimit: _c, Ulimits: _d, Memory: _g, MemorySwap: _h, ...runscHost } = containerSpec(spec({ runtime: 'runsc' }), loopCtx).HostConfig;
    const { Runtime: _b, PidsLimit: _e, Ulimits: _f, Memory: _i, MemorySwap: _j, ...runcHost } = host;
    expect(runscHost).toEqual(runcHost);
  });

  it('under runsc tells the agent to enforce the memory limit itself, and gives the host limit headroom above it', () => {
    const runsc = containerSpec(spec({ runtime: 'runsc' }), loopCtx);
    expect(runsc.Env).toEqual(expect.arrayContaining(['CODEBOX_RUNTIME=runsc', 'CODEBOX_MEMORY_LIMIT_MIB=512']));
    expect(runsc.HostConfig.Memory).toBe((512 + HARDENING.runscMemoryHeadroomMiB) * MiB);
    expect(runsc.HostConfig.MemorySwap).toBe(runsc.HostConfig.Memory);
    // runc: the kernel enforces the limit as asked, and the agent is told nothing.
    expect(host.Memory).toBe(512 * MiB);
    expect(body.Env?.some((e) => e.startsWith('CODEBOX_RUNTIME') || e.startsWith('CODEBOX_MEMORY_LIMIT'))).toBe(false);
  });

  it('under runsc enforces the pids limit inside gVisor (RLIMIT_NPROC) with a larger host backstop', () => {
    for (const pids of [16, 64, 256, 1024]) {
      const runscHost = containerSpec(spec({ runtime: 'runsc', limits: { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids } }), loopCtx).HostConfig;
      expect(runscHost.Ulimits).toContainEqual({ Name: 'nproc', Soft: pids, Hard: pids });
      expect(runscHost.PidsLimit).toBeGreaterThanOrEqual(pids * 6);
    }
    // Under runc RLIMIT_NPROC counts per host uid, shared by every sandbox: never set there.
    expect(host.Ulimits?.some((u) => u.Name === 'nproc')).toBe(false);
    expect(host.PidsLimit).toBe(256);
  });

  it('under runsc binds the statx shim over /etc/ld.so.preload; runc never gets it', () => {
    const preload = '/var/lib/codebox/sandboxes/abc123def456ghi789jk/etc/ld.so.preload';
    for (const allowInternetAccess of [false, true]) {
      const ctx = { ...loopCtx, networkName: 'n', gvisorPreload: preload };
      const runscMounts = containerSpec(spec({ runtime: 'runsc', allowInternetAccess }), ctx).HostConfig.Mounts;
      expect(runscMounts).toContainEqual({ Type: 'bind', Source: preload, Target: '/etc/ld.so.preload', ReadOnly: true });
      const runcMounts = containerSpec(spec({ runtime: 'runc', allowInternetAccess }), ctx).HostConfig.Mounts;
      expect(runcMounts?.some((m) => m.Target === '/etc/ld.so.preload')).toBe(false);
    }
  });

  it('uses an init, a read-only root and private namespaces', () => {
    expect(host.Init).toBe(true);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.IpcMode).toBe('private');
    expect(host.CgroupnsMode).toBe('private');
  });

  it('applies the sandbox limits with no swap', () => {
    expect(host.Memory).toBe(512 * MiB);
    expect(host.MemorySwap).toBe(512 * MiB);
    expect(host.NanoCpus).toBe(1_500_000_000);
    expect(host.PidsLimit).toBe(256);
    expect(host.OomScoreAdj).toBe(500);
    expect(host.ShmSize).toBe(64 * MiB);
    expect(host.Ulimits).toEqual([
      { Name: 'nofile', Soft: 4096, Hard: 4096 },
      { Name: 'fsize', Soft: 2048 * MiB, Hard: 2048 * MiB },
      { Name: 'core', Soft: 0, Hard: 0 },
    ]);
    expect(host.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } });
  });

  it('caps /tmp and mounts only the run dir, the account files (read-only) and the home disk', () => {
    expect(host.Tmpfs).toEqual({ '/tmp': 'rw,nosuid,nodev,size=64m,mode=1777' });
    expect(host.Mounts).toEqual([
      { Type: 'bind', Source: loopCtx.runDir, Target: '/run/codebox', ReadOnly: false },
      { Type: 'bind', Source: loopCtx.accounts?.passwd, Target: '/etc/passwd', ReadOnly: true },
      { Type: 'bind', Source: loopCtx.accounts?.group, Target: '/etc/group', ReadOnly: true },
      { Type: 'bind', Source: '/var/lib/codebox/sandboxes/abc123def456ghi789jk/home', Target: '/home/user', ReadOnly: false },
    ]);
    expect(JSON.stringify(body)).not.toContain('docker.sock');
    expect(host.Binds).toBeUndefined();
  });

  it("falls back to a size-capped tmpfs home owned by the sandbox's own uid", () => {
    const tmpfsHome = containerSpec(spec(), { ...loopCtx, home: { kind: 'tmpfs', sizeMiB: 256 } }).HostConfig;
    expect(tmpfsHome.Tmpfs?.['/home/user']).toBe('rw,nosuid,nodev,size=256m,uid=1000123,gid=1000123,mode=0755');
    expect(tmpfsHome.Mounts).toHaveLength(3);
  });

  it('has no network at all without internet access', () => {
    expect(host.NetworkMode).toBe('none');
    expect(body.NetworkDisabled).toBe(true);
  });

  it('joins the runner network with internet access, and refuses without one', () => {
    const online = containerSpec(spec({ allowInternetAccess: true }), { ...loopCtx, networkName: 'codebox-r1' });
    expect(online.HostConfig.NetworkMode).toBe('codebox-r1');
    expect(online.NetworkDisabled).toBe(false);
    expect(() => containerSpec(spec({ allowInternetAccess: true }), loopCtx)).toThrow(InvalidSandboxSpecError);
  });

  it('names the runner’s DNS forwarder as the only nameserver, and none offline', () => {
    const ctx = { ...loopCtx, networkName: 'codebox-r1', dnsServer: '172.30.0.1' };
    expect(containerSpec(spec({ allowInternetAccess: true }), ctx).HostConfig.Dns).toEqual(['172.30.0.1']);
    expect(containerSpec(spec({ allowInternetAccess: false }), ctx).HostConfig.Dns).toBeUndefined();
  });

  it('labels the container with its state', () => {
    expect(body.Labels).toMatchObject({
      'codebox.runner': 'r1',
      'codebox.sandbox-id': 'abc123def456ghi789jk',
      'codebox.template': 'base',
      'codebox.allow-internet': 'false',
      'codebox.expires-at': '301000',
      'codebox.uid': '1000123',
    });
  });
});

describe('containerSpec in root mode', () => {
  const { accounts: _accounts, ...withoutAccounts } = loopCtx;
  const root = { hostFirst: 2 ** 30, layers: 3, layersDir: '/d/root-layers', systemDir: '/d/home/system', seccompProfile: '{"x":1}' };
  const body = containerSpec(spec(), { ...withoutAccounts, root });

  it('starts the agent through sandbox-exec --root-namespace with the uid block and tells it root is allowed', () => {
    expect(body.Cmd).toEqual([
      '/opt/codebox/sandbox-exec', '--root-namespace', String(2 ** 30), '65536', '3', '--', '/opt/codebox/bin/node', '/opt/codebox/agent.mjs',
    ]);
    expect(body.Env).toContain('CODEBOX_ROOT_ACCESS=1');
    expect(body.Labels?.['codebox.root-access']).toBe('true');
  });

  it('uses its own seccomp profile, keeps the same four capabilities, and binds the layers read-only and no account files', () => {
    expect(body.HostConfig.SecurityOpt).toEqual(['no-new-privileges:true', 'seccomp={"x":1}']);
    expect(body.HostConfig.CapAdd).toEqual(['SETUID', 'SETGID', 'SETPCAP', 'KILL']);
    expect(body.HostConfig.Mounts).toEqual([
      { Type: 'bind', Source: loopCtx.runDir, Target: '/run/codebox', ReadOnly: false },
      { Type: 'bind', Source: '/d/root-layers', Target: '/run/codebox-root/layers', ReadOnly: true },
      { Type: 'bind', Source: '/d/home/system', Target: '/run/codebox-root/disk', ReadOnly: false },
      { Type: 'bind', Source: loopCtx.home.kind === 'loop' ? loopCtx.home.hostPath : '', Target: '/home/user', ReadOnly: false },
    ]);
  });
});
