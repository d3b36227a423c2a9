import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, Secret } from 'e2b';
import { describe, expect, it } from 'vitest';
import { SandboxCa } from '../../packages/host-runner/src/egress/sandbox-ca.js';
import { startRunner } from '../support/runner.js';
import { useRunner } from '../support/use-runner.js';

/**
 * Each bridge sandbox trusts its own egress CA (the one the runner's header interception signs
 * leaves with) and no other sandbox's, through the system bundle and the variables TLS stacks
 * read; the CA's key, and the tenant's secrets, are nowhere the sandbox can look: not in its
 * environment, its files, nor the memory of its own processes (docs/security.md, "Secrets and
 * header transforms").
 */
const runner = useRunner();
const BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

function caFiles(sandboxId: string): { keyPem: string; certPem: string } {
  const dir = join(runner().dataDir, 'sandboxes', sandboxId, 'egress-ca');
  return { keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), certPem: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

/** Needles for a key: a line of its PEM body and its raw private scalar (hex), which any in-memory form would hold. */
function keyNeedles(keyPem: string): { pemLine: string; scalarHex: string } {
  const pemLine = keyPem.split('\n').find((line) => line.length >= 40 && !line.startsWith('-----')) ?? '';
  const d = createPrivateKey(keyPem).export({ format: 'jwk' }).d ?? '';
  return { pemLine, scalarHex: Buffer.from(d, 'base64url').toString('hex') };
}

/** test/support/fixtures/needle-scan.py: where in the sandbox (env, files, process memory) any of its needles is. */
const SEARCH = readFileSync(join(import.meta.dirname, '../support/fixtures/needle-scan.py'), 'utf8');

describe('per-sandbox egress CA', () => {
  it('the system bundle (and the TLS variables) trust this sandbox\'s CA, not another sandbox\'s', async () => {
    const [sandbox, other] = await Promise.all([Sandbox.create({ timeoutMs: 120_000 }), Sandbox.create({ timeoutMs: 120_000 })]);
    try {
      const own = await SandboxCa.load(caFiles(sandbox.sandboxId));
      const foreign = await SandboxCa.load(caFiles(other.sandboxId));
      expect(new X509Certificate(own.certPem).ca).toBe(true);
      await sandbox.files.write('/tmp/own.pem', await own.leafPemFor('api.example.com'));
      await sandbox.files.write('/tmp/foreign.pem', await foreign.leafPemFor('api.example.com'));

      const ok = await sandbox.commands.run(`openssl verify -CAfile ${BUNDLE} /tmp/own.pem`);
      expect(ok.stdout).toContain('/tmp/own.pem: OK');
      const refused = await sandbox.commands.run(`openssl verify -CAfile ${BUNDLE} /tmp/foreign.pem`).catch((error: { result?: { exitCode: number; stdout: string; stderr: string } }) => error.result);
      expect(refused?.exitCode).not.toBe(0);
      // The public roots are still there (the template's bundle plus one).
      const count = await sandbox.commands.run(`grep -c 'BEGIN CERTIFICATE' ${BUNDLE}`);
      expect(Number(count.stdout.trim())).toBeGreaterThan(100);
      // Read-only for user code.
      const write = await sandbox.commands.run(`echo x >> ${BUNDLE}`).catch((error: { result?: { exitCode: number } }) => error.result);
      expect(write?.exitCode).not.toBe(0);

      const env = await sandbox.commands.run('echo "$SSL_CERT_FILE|$NODE_EXTRA_CA_CERTS|$REQUESTS_CA_BUNDLE|$CURL_CA_BUNDLE"');
      expect(env.stdout.trim()).toBe(Array(4).fill(BUNDLE).join('|'));
      // Python's default context (OpenSSL's default paths) trusts it too.
      const py = await sandbox.commands.run(
        `python3 -c "import ssl; c = ssl.create_default_context(); c.load_verify_locations('${BUNDLE}'); print(any('${sandbox.sandboxId}' in str(x.get('subject')) for x in c.get_ca_certs()))"`,
      );
      expect(py.stdout.trim()).toBe('True');
    } finally {
      await Promise.all([sandbox.kill(), other.kill()]);
    }
  });

  it('neither the CA key nor a secret value is anywhere the sandbox can read (env, files, process memory)', async () => {
    const secretValue = `sk-codebox-probe-${Date.now()}-never-inside`;
    await Secret.create(`probe-${Date.now()}`, secretValue);
    const sandbox = await Sandbox.create({ timeoutMs: 120_000, envs: { HARMLESS: 'yes' } });
    try {
      const { keyPem } = caFiles(sandbox.sandboxId);
      const { pemLine, scalarHex } = keyNeedles(keyPem);
      expect(pemLine.length).toBeGreaterThan(30);
      // The control: a needle that is there (the CA certificate's own PEM line), so a scan that finds nothing is a real result.
      const certLine = caFiles(sandbox.sandboxId).certPem.split('\n').find((line) => line.length >= 40 && !line.startsWith('-----')) ?? '';
      await sandbox.files.write('/tmp/scan.py', SEARCH);
      const hex = (text: string): string => Buffer.from(text).toString('hex');
      const control = await sandbox.commands.run(`python3 /tmp/scan.py ${hex(certLine)}`, { timeoutMs: 120_000 });
      expect(control.stdout).toContain(BUNDLE);
      // Under runsc there is no root mode, so `user` is everyone who can run code in the sandbox.
      const users = process.env.CODEBOX_RUNTIME === 'runsc' ? (['user'] as const) : (['user', 'root'] as const);
      for (const user of users) {
        const scan = await sandbox.commands.run(`python3 /tmp/scan.py ${hex(pemLine)} ${scalarHex} ${hex(secretValue)}`, { user, timeoutMs: 120_000 });
        expect(Number(/VICTIM-BYTES:(\d+)/.exec(scan.stdout)?.[1])).toBeGreaterThan(1024 * 1024);
        expect(scan.stdout.trim().split('\n').at(-1), `as ${user}`).toBe('FOUND:');
      }
    } finally {
      await sandbox.kill();
    }
  });

  it('without root mode the container\'s read-only bind alone carries the bundle', async () => {
    const plain = await startRunner({ env: { CODEBOX_ROOT_ACCESS: 'false' } });
    try {
      const opts = { apiKey: plain.keys[0], apiUrl: plain.url, sandboxUrl: plain.url };
      const sandbox = await Sandbox.create({ ...opts, timeoutMs: 120_000 });
      try {
        const dir = join(plain.dataDir, 'sandboxes', sandbox.sandboxId, 'egress-ca');
        const ca = await SandboxCa.load({ keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), certPem: readFileSync(join(dir, 'cert.pem'), 'utf8') });
        await sandbox.files.write('/tmp/own.pem', await ca.leafPemFor('api.example.com'));
        expect((await sandbox.commands.run(`openssl verify -CAfile ${BUNDLE} /tmp/own.pem`)).stdout).toContain('/tmp/own.pem: OK');
        const mounts = await sandbox.commands.run(`grep ' ${BUNDLE} ' /proc/self/mountinfo`);
        expect(mounts.stdout).toMatch(/ ro[, ]/);
      } finally {
        await sandbox.kill();
      }
    } finally {
      await plain.close();
    }
  });

  it('a sandbox without internet access gets no CA', async () => {
    const sandbox = await Sandbox.create({ timeoutMs: 60_000, allowInternetAccess: false });
    try {
      expect(() => caFiles(sandbox.sandboxId)).toThrow();
      const env = await sandbox.commands.run('echo "[$SSL_CERT_FILE]"');
      expect(env.stdout.trim()).toBe('[]');
    } finally {
      await sandbox.kill();
    }
  });
});
