import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The host's extra CA for user Dockerfiles that fetch packages behind a TLS-intercepting proxy.
 * It is offered as a build argument only to Dockerfiles that declare `ARG CODEBOX_BUILD_CA_CERT`,
 * so it exists while their RUN steps run and is in no image file unless a step writes it and
 * leaves it there. Pattern (one RUN, so the file never survives the layer):
 *
 *   ARG CODEBOX_BUILD_CA_CERT
 *   RUN printf '%s' "$CODEBOX_BUILD_CA_CERT" > /tmp/ca.pem && \
 *       apt-get -o Acquire::https::CaInfo=/tmp/ca.pem update && ... ; rm -f /tmp/ca.pem
 */
export const BUILD_CA_ARG = 'CODEBOX_BUILD_CA_CERT';

/** Linux refuses single environment strings over 128 KiB (MAX_ARG_STRLEN); stay well below. */
const MAX_BUILD_CA_BYTES = 96 * 1024;

/** Debian's copy of the public (Mozilla) roots; anything else in a bundle was added locally. */
const PUBLIC_ROOTS_DIR = '/usr/share/ca-certificates/mozilla';

export class BuildCaTooLargeError extends Error {
  override readonly name = 'BuildCaTooLargeError';
  constructor(readonly path: string, readonly bytes: number) {
    super(
      `The extra CA certificates in ${path} are ${bytes} bytes, too large for a build argument (max ${MAX_BUILD_CA_BYTES}); ` +
        'point NODE_EXTRA_CA_CERTS at a file with only the extra certificates.',
    );
  }
}

export function usesBuildCaArg(dockerfile: string): boolean {
  return new RegExp(`^\\s*ARG\\s+${BUILD_CA_ARG}\\b`, 'mi').test(dockerfile);
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function pemBlocks(text: string): string[] {
  return (text.match(PEM_BLOCK) ?? []).map((b) => b.replace(/\r/g, '').trim());
}

/**
 * PEM text of the certificates in NODE_EXTRA_CA_CERTS (else SSL_CERT_FILE) that are not public
 * roots: hosts often point these variables at the whole system bundle, of which only the local
 * additions matter to a build. Undefined when there is nothing extra to offer.
 */
export async function readHostCaBundle(env: NodeJS.ProcessEnv = process.env, publicRootsDir = PUBLIC_ROOTS_DIR): Promise<string | undefined> {
  const publicRoots = new Set<string>();
  const files = await readdir(publicRootsDir).catch(() => [] as string[]);
  for (const f of files) for (const b of pemBlocks(await readFile(join(publicRootsDir, f), 'utf8'))) publicRoots.add(b);
  for (const path of [env.NODE_EXTRA_CA_CERTS, env.SSL_CERT_FILE]) {
    if (!path) continue;
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (!text) continue;
    const extra = pemBlocks(text).filter((b) => !publicRoots.has(b));
    if (extra.length === 0) continue;
    const pem = `${extra.join('\n')}\n`;
    if (Buffer.byteLength(pem) > MAX_BUILD_CA_BYTES) throw new BuildCaTooLargeError(path, Buffer.byteLength(pem));
    return pem;
  }
  return undefined;
}
