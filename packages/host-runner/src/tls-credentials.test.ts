import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsCredentialsError, certificateCoversSandboxHosts, loadTlsCredentials } from './tls-credentials.js';

const makeCert = resolve(import.meta.dirname, '../../../scripts/make-test-cert.sh');

describe('TLS credentials', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'codebox-tls-unit-'));
    execFileSync('bash', [makeCert, join(dir, 'a')]);
    execFileSync('bash', [makeCert, join(dir, 'b'), 'sandboxes.example.test']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a matching pair', async () => {
    const credentials = await loadTlsCredentials({ certFile: join(dir, 'a/cert.pem'), keyFile: join(dir, 'a/key.pem') });
    expect(credentials.cert.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('refuses a key of another certificate, a missing file and a file that is no certificate, by name', async () => {
    await expect(loadTlsCredentials({ certFile: join(dir, 'a/cert.pem'), keyFile: join(dir, 'b/key.pem') })).rejects.toThrow(
      new TlsCredentialsError(`The private key ${join(dir, 'b/key.pem')} does not belong to the certificate ${join(dir, 'a/cert.pem')}.`),
    );
    await expect(loadTlsCredentials({ certFile: join(dir, 'missing.pem'), keyFile: join(dir, 'a/key.pem') })).rejects.toThrow(/Cannot read the TLS certificate \(tls.certFile\) .*missing.pem/);
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
    await expect(loadTlsCredentials({ certFile: join(dir, 'junk.pem'), keyFile: join(dir, 'a/key.pem') })).rejects.toBeInstanceOf(TlsCredentialsError);
    await expect(loadTlsCredentials({ certFile: join(dir, 'a/cert.pem'), keyFile: join(dir, 'junk.pem') })).rejects.toThrow(/Cannot use the certificate/);
  });

  it('tells whether the certificate names every sandbox host under a domain', () => {
    const cert = readFileSync(join(dir, 'a/cert.pem'));
    expect(certificateCoversSandboxHosts(cert, 'codebox.localhost')).toBe(true);
    expect(certificateCoversSandboxHosts(cert, 'localhost')).toBe(false);
    expect(certificateCoversSandboxHosts(readFileSync(join(dir, 'b/cert.pem')), 'sandboxes.example.test')).toBe(true);
  });
});
