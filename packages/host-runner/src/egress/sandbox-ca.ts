import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { ...EC_P256, hash: 'SHA-256' } as const;
const HOUR_MS = 3_600_000;
/** Leaves are re-minted this long before they expire; a sandbox outliving one gets a fresh one. */
const LEAF_LIFETIME_MS = 7 * 24 * HOUR_MS;
const LEAF_RENEW_BEFORE_MS = 24 * HOUR_MS;
/** The CA lives as long as its sandbox could; its key never leaves the runner. */
const CA_LIFETIME_MS = 400 * 24 * HOUR_MS;
/** Names a sandbox can make the proxy mint a leaf for are bounded: each costs a signature and memory. */
const MAX_CACHED_LEAVES = 256;

/** The PEM files a sandbox CA is kept in (the key only on the host, mode 0600). */
export interface SandboxCaFiles {
  readonly certPem: string;
  readonly keyPem: string;
}

function serialNumber(): string {
  // Positive (top bit clear) 16-byte serial, as RFC 5280 asks.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/**
 * A sandbox's own certificate authority (EC P-256): the egress interception presents leaves it
 * signs for the names it terminates TLS for, and only that sandbox's CA bundle trusts it (so one
 * sandbox's CA is worthless against another). The key stays in the runner's memory and in the
 * sandbox's host directory (0600), never in the container.
 */
export class SandboxCa {
  readonly #caKey: CryptoKey;
  readonly #caCert: x509.X509Certificate;
  readonly #keyPem: string;
  /** One key for every leaf of this CA: a leaf costs a signature, not a key generation. */
  #leafKey: Promise<CryptoKeyPair> | undefined;
  readonly #leaves = new Map<string, Promise<{ context: SecureContext; certPem: string; notAfter: number }>>();

  private constructor(caKey: CryptoKey, caCert: x509.X509Certificate, keyPem: string) {
    this.#caKey = caKey;
    this.#caCert = caCert;
    this.#keyPem = keyPem;
  }

  static async create(sandboxId: string): Promise<SandboxCa> {
    const keys = (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: `CN=Codebox sandbox ${sandboxId} egress CA, O=Codebox`,
      notBefore: new Date(now - HOUR_MS),
      notAfter: new Date(now + CA_LIFETIME_MS),
      signingAlgorithm: SIGNING,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new SandboxCa(keys.privateKey, cert, await exportKeyPem(keys.privateKey));
  }

  /** A CA kept by `files` (a restarted runner adopting the sandbox). */
  static async load(files: SandboxCaFiles): Promise<SandboxCa> {
    const cert = new x509.X509Certificate(files.certPem);
    // Node parses any PEM key form; WebCrypto wants PKCS#8 DER.
    const der = createPrivateKey(files.keyPem).export({ format: 'der', type: 'pkcs8' });
    const key = await webcrypto.subtle.importKey('pkcs8', der, EC_P256, true, ['sign']);
    return new SandboxCa(key, cert, files.keyPem);
  }

  /** The CA certificate (PEM), the one thing of it the sandbox gets. */
  get certPem(): string {
    return this.#caCert.toString('pem');
  }

  /** For the runner to keep on the host (0600); never into the container. */
  get files(): SandboxCaFiles {
    return { certPem: this.certPem, keyPem: this.#keyPem };
  }

  /** A TLS server context presenting a leaf for `name` signed by this CA; minted once and cached. */
  async contextFor(name: string): Promise<SecureContext> {
    return (await this.#leaf(name.toLowerCase())).context;
  }

  /** The leaf certificate (PEM) presented for `name`, for tests and diagnostics. */
  async leafPemFor(name: string): Promise<string> {
    return (await this.#leaf(name.toLowerCase())).certPem;
  }

  #leaf(name: string): Promise<{ context: SecureContext; certPem: string; notAfter: number }> {
    const cached = this.#leaves.get(name);
    if (cached) {
      return cached.then((leaf) => {
        if (leaf.notAfter - Date.now() > LEAF_RENEW_BEFORE_MS) return leaf;
        this.#leaves.delete(name);
        return this.#leaf(name);
      });
    }
    if (this.#leaves.size >= MAX_CACHED_LEAVES) {
      const oldest = this.#leaves.keys().next().value;
      if (oldest !== undefined) this.#leaves.delete(oldest);
    }
    const minted = this.#mint(name);
    this.#leaves.set(name, minted);
    minted.catch(() => this.#leaves.delete(name));
    return minted;
  }

  async #mint(name: string): Promise<{ context: SecureContext; certPem: string; notAfter: number }> {
    this.#leafKey ??= webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
    const leafKey = await this.#leafKey;
    const now = Date.now();
    const notAfter = Math.min(now + LEAF_LIFETIME_MS, this.#caCert.notAfter.getTime());
    const isIp = /^[0-9.]+$/.test(name) || name.includes(':');
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: `CN=${name.replace(/[,+="\\<>;#]/g, '')}`,
      issuer: this.#caCert.subject,
      notBefore: new Date(now - HOUR_MS),
      notAfter: new Date(notAfter),
      signingAlgorithm: SIGNING,
      publicKey: leafKey.publicKey,
      signingKey: this.#caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: isIp ? 'ip' : 'dns', value: name }]),
        await x509.AuthorityKeyIdentifierExtension.create(this.#caCert, false),
      ],
    });
    const certPem = cert.toString('pem');
    const context = createSecureContext({ cert: certPem, key: await exportKeyPem(leafKey.privateKey), minVersion: 'TLSv1.2' });
    return { context, certPem, notAfter };
  }
}
