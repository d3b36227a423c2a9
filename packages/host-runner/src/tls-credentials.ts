import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';

/**
 * The runner's TLS certificate and key (PEM files, `RunnerConfig['tls']`). Read at start and again
 * on SIGHUP (a renewed certificate without a restart); both times checked before use, so a bad
 * pair stops the start with a clear message, or leaves the running pair in place on reload.
 */
export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export class TlsCredentialsError extends Error {
  override readonly name = 'TlsCredentialsError';
}

export async function loadTlsCredentials({ certFile, keyFile }: { certFile: string; keyFile: string }): Promise<TlsCredentials> {
  const cert = await readPem(certFile, 'certificate (tls.certFile)');
  const key = await readPem(keyFile, 'private key (tls.keyFile)');
  try {
    new X509Certificate(cert);
  } catch (error) {
    throw new TlsCredentialsError(`${certFile} holds no PEM certificate: ${(error as Error).message}.`);
  }
  try {
    // Parses the key and checks it belongs to the certificate (ERR_OSSL_X509_KEY_VALUES_MISMATCH otherwise).
    createSecureContext({ cert, key });
  } catch (error) {
    const { code, message } = error as Error & { code?: string };
    throw new TlsCredentialsError(
      /MISMATCH/i.test(code ?? message)
        ? `The private key ${keyFile} does not belong to the certificate ${certFile}.`
        : `Cannot use the certificate ${certFile} with the key ${keyFile}: ${message}.`,
    );
  }
  return { cert, key };
}

/**
 * Whether the certificate names every `<port>-<id>.<hostname>` (a `*.<hostname>` wildcard or the
 * like). Node (and browsers) refuse a wildcard over two labels (`*.localhost`), hence
 * `codebox.localhost` as the default TLS domain.
 */
export function certificateCoversSandboxHosts(cert: Buffer, hostname: string): boolean {
  return new X509Certificate(cert).checkHost(`8000-probe.${hostname}`) !== undefined;
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new TlsCredentialsError(`Cannot read the TLS ${what} ${path}: ${(error as Error).message}.`);
  }
}
