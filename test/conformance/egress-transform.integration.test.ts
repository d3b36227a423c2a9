import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, randomInt, webcrypto } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as codebox from '@codebox/core-client';
import { Sandbox, Secret } from 'e2b';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxCa } from '../../packages/host-runner/src/egress/sandbox-ca.js';
import { startNetnsTargets, type NetnsTargets } from '../support/netns-targets.js';
import { startTestResolver } from '../support/test-resolver.js';
import { useRunner } from '../support/use-runner.js';

/**
 * End to end (issue 11): a sandbox whose `network.rules` name a host gets a header with a
 * secret's value injected into its HTTPS and HTTP requests to that host, on the way out, by the
 * runner's egress proxy (TLS terminated with the sandbox's own CA, re-encrypted to the host,
 * whose certificate the runner verifies against CODEBOX_EGRESS_TRUSTED_CA_FILE), while the
 * sandbox cannot see the value: not in its environment, files or process memory, nor in the
 * proxy's answers. The test host lives in a network namespace this test makes, with a CA of its
 * own; DNS for its name comes from a resolver on loopback. Nothing leaves the machine.
 *
 * Needs the egress proxy (engineer B's slice) wired to the header interception; until then the
 * create with `rules` is refused at the API.
 */
const HOST = 'api.codebox-transform.test';
const OTHER_HOST = 'other.codebox-transform.test';
const TARGET = `198.18.77.${randomInt(10, 250)}`;

const dir = mkdtempSync(join(tmpdir(), 'codebox-transform-'));
const hostCa = await SandboxCa.create('test-host-ca');
writeFileSync(join(dir, 'host-ca.pem'), hostCa.certPem);

// The resolver the runner's DNS forwarder asks: both names are the test host.
const resolver = await startTestResolver({ [HOST]: TARGET, [OTHER_HOST]: TARGET }, 60);

useRunner({
  env: {
    CODEBOX_EGRESS_ALLOW: '198.18.77.0/24',
    CODEBOX_DNS_UPSTREAMS: `127.0.0.1:${resolver.port}`,
    CODEBOX_EGRESS_TRUSTED_CA_FILE: join(dir, 'host-ca.pem'),
  },
});

/** The test host: HTTPS on 443 (leaf of its own CA for both names), HTTP on 80; reports each request's headers on stdout and answers only a hash of Authorization. */
const HOST_PROGRAM = `
const https = require('node:https'); const http = require('node:http'); const crypto = require('node:crypto');
const handler = (req, res) => {
  process.stdout.write(JSON.stringify({ url: req.url, headers: req.headers }) + '\\n');
  const auth = req.headers.authorization ?? '';
  res.end('sha256:' + crypto.createHash('sha256').update(auth).digest('hex') + '\\n');
};
https.createServer({ cert: process.env.CERT, key: process.env.KEY }, handler).listen(443, '0.0.0.0');
http.createServer(handler).listen(80, '0.0.0.0');
`;

let targets: NetnsTargets;
let host: ChildProcess;
const received: Array<{ url: string; headers: Record<string, string> }> = [];

beforeAll(async () => {
  targets = await startNetnsTargets({ addresses: [TARGET] });
  // The host's key never enters a sandbox; it is handed to the host process in its environment.
  const keyAndCert = await hostLeaf();
  host = spawn('ip', ['netns', 'exec', targets.namespace, process.execPath, '-e', HOST_PROGRAM], {
    env: { ...process.env, CERT: keyAndCert.cert, KEY: keyAndCert.key },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  host.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line) received.push(JSON.parse(line) as (typeof received)[number]);
  });
});

afterAll(async () => {
  host?.kill('SIGKILL');
  if (host) await once(host, 'exit').catch(() => undefined);
  await targets?.close();
  resolver.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A certificate + key for the test host naming both hosts, from a CA made here (the sandbox CA class, used as any CA). */
async function hostLeaf(): Promise<{ cert: string; key: string }> {
  const x509 = await import('@peculiar/x509');
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    createPrivateKey(hostCa.files.keyPem).export({ format: 'der', type: 'pkcs8' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const caCert = new x509.X509Certificate(hostCa.certPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: `CN=${HOST}`,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: HOST },
        { type: 'dns', value: OTHER_HOST },
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: cert.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

const sha = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('header transforms with secrets at egress', () => {
  it('injects the secret into HTTPS and HTTP requests to the matching host only; the sandbox never sees the value', async () => {
    const name = `transform-${Date.now()}`;
    const value = `sk-e2e-${Date.now()}-value`;
    await Secret.create(name, value);
    const sandbox = await Sandbox.create({
      timeoutMs: 180_000,
      network: {
        rules: { [HOST]: [{ transform: { headers: { Authorization: `Bearer ${Secret.fill(name)}` } } }] },
      },
    });
    try {
      // curl (system bundle), Python (SSL_CERT_FILE / REQUESTS_CA_BUNDLE), Node (NODE_EXTRA_CA_CERTS): each trusts the interception's leaf.
      const viaCurl = await sandbox.commands.run(`curl -sS -H 'Authorization: Bearer from-sandbox' https://${HOST}/curl`);
      expect(viaCurl.stdout.trim()).toBe(sha(`Bearer ${value}`));
      const viaPython = await sandbox.commands.run(`python3 -c "import urllib.request; print(urllib.request.urlopen('https://${HOST}/python').read().decode().strip())"`);
      expect(viaPython.stdout.trim()).toBe(sha(`Bearer ${value}`));
      const plain = await sandbox.commands.run(`curl -sS http://${HOST}/plain`);
      expect(plain.stdout.trim()).toBe(sha(`Bearer ${value}`));
      // Another name on the same address: no rule, so no interception (the host's own certificate, which
      // the sandbox does not trust: -k) and no header.
      const other = await sandbox.commands.run(`curl -sSk https://${OTHER_HOST}/other`);
      expect(other.stdout.trim()).toBe(sha(''));
      await expect.poll(() => received.map((entry) => entry.url)).toEqual(expect.arrayContaining(['/curl', '/python', '/plain']));
      for (const url of ['/curl', '/python', '/plain']) expect(received.find((entry) => entry.url === url)?.headers.authorization).toBe(`Bearer ${value}`);

      // Rotation: the next request carries the new version.
      await Secret.update(name, `${value}-v2`);
      const rotated = await sandbox.commands.run(`curl -sS https://${HOST}/rotated`);
      expect(rotated.stdout.trim()).toBe(sha(`Bearer ${value}-v2`));

      // The value is nowhere inside: env, files, process memory (a Python process that made requests to the host).
      await sandbox.files.write('/tmp/scan.py', readFileSync(join(import.meta.dirname, '../support/fixtures/needle-scan.py'), 'utf8'));
      const needles = [value, `${value}-v2`].map((text) => Buffer.from(text).toString('hex')).join(' ');
      const scan = await sandbox.commands.run(`python3 /tmp/scan.py ${needles}`, { timeoutMs: 120_000 });
      expect(scan.stdout.trim().split('\n').at(-1)).toBe('FOUND:');
    } finally {
      await sandbox.kill();
      await Secret.destroy(name);
    }
  });

  it('answers 502 naming an unknown secret, with no value, and forwards nothing (through our client)', async () => {
    const known = `known-${Date.now()}`;
    const value = `sk-e2e-known-${Date.now()}`;
    const info = await codebox.Secret.create(known, value, { metadata: { purpose: 'e2e' } });
    expect(info).toMatchObject({ name: known, version: 1, metadata: { purpose: 'e2e' } });
    expect(await Secret.getInfo(known)).toMatchObject({ secretId: info.secretId, version: 1 });
    expect(codebox.Secret.fill(known)).toBe(Secret.fill(known));
    const sandbox = await codebox.Sandbox.create('code-interpreter-v1', {
      timeoutMs: 120_000,
      network: {
        rules: { [HOST]: [{ transform: { headers: { Authorization: `Bearer ${codebox.Secret.fill(known)}`, 'X-Missing': codebox.Secret.fill('no-such-secret') } } }] },
      },
    });
    try {
      const before = received.length;
      const reply = await sandbox.commands.run(`curl -sS -i https://${HOST}/unknown`);
      expect(reply.stdout).toMatch(/^HTTP\/1\.1 502/);
      expect(reply.stdout).toContain('${e2b.secrets.no-such-secret}');
      expect(reply.stdout).not.toContain(value);
      expect(received.length).toBe(before);
    } finally {
      await sandbox.kill();
      expect(await codebox.Secret.destroy(known)).toBe(true);
      expect(await codebox.Secret.exists(known)).toBe(false);
    }
  });
});
