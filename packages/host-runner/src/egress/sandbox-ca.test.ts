import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SandboxCa } from './sandbox-ca.js';

describe('SandboxCa', () => {
  it('is an EC P-256 CA limited to signing leaves, and its leaves name exactly the host', async () => {
    const ca = await SandboxCa.create('abcdefghij0123456789');
    const caCert = new X509Certificate(ca.certPem);
    expect(caCert.ca).toBe(true);
    expect(caCert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(caCert.subject).toContain('abcdefghij0123456789');
    const leaf = new X509Certificate(await ca.leafPemFor('API.Example.com'));
    expect(leaf.ca).toBe(false);
    expect(leaf.subjectAltName).toBe('DNS:api.example.com');
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.checkHost('api.example.com')).toBe('api.example.com');
    expect(leaf.checkHost('other.example.com')).toBeUndefined();
  });

  it('caches leaves per name and reloads from its files with the same identity', async () => {
    const ca = await SandboxCa.create('abcdefghij0123456789');
    expect(await ca.leafPemFor('a.test')).toBe(await ca.leafPemFor('A.TEST'));
    expect(ca.files.keyPem).toContain('PRIVATE KEY');
    const reloaded = await SandboxCa.load(ca.files);
    expect(reloaded.certPem).toBe(ca.certPem);
    const leaf = new X509Certificate(await reloaded.leafPemFor('b.test'));
    expect(leaf.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });

  it('gives each sandbox its own CA: one sandbox\'s leaves do not verify under another\'s', async () => {
    const [a, b] = await Promise.all([SandboxCa.create('a0000000000000000000'), SandboxCa.create('b0000000000000000000')]);
    const leafOfA = new X509Certificate(await a.leafPemFor('x.test'));
    expect(leafOfA.verify(new X509Certificate(b.certPem).publicKey)).toBe(false);
  });
});
