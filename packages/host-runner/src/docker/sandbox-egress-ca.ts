import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SandboxCa } from '../egress/sandbox-ca.js';
import { SYSTEM_CA_BUNDLE } from './sandbox-accounts.js';
import { sandboxPaths } from './sandbox-paths.js';

/**
 * Where the egress interception's CA of one sandbox lives on the host: `<sandboxDir>/egress-ca/`
 * (0700, root): `key.pem` (0600, never bound into the container), `cert.pem`, and the bundle the
 * container gets read-only over the system bundle, `ca-certificates.crt` (0644). The directory
 * goes with the sandbox's (one rm -r).
 */
export function egressCaPaths(sandboxRoot: string): { dir: string; key: string; cert: string; bundle: string } {
  const dir = join(sandboxRoot, 'egress-ca');
  return { dir, key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem'), bundle: join(dir, 'ca-certificates.crt') };
}

/** The variables user processes get so that every common TLS stack trusts the bundle (the system one does already). */
export const EGRESS_CA_ENV: Readonly<Record<string, string>> = Object.freeze({
  SSL_CERT_FILE: SYSTEM_CA_BUNDLE,
  NODE_EXTRA_CA_CERTS: SYSTEM_CA_BUNDLE,
  REQUESTS_CA_BUNDLE: SYSTEM_CA_BUNDLE,
  CURL_CA_BUNDLE: SYSTEM_CA_BUNDLE,
});

export interface SandboxEgressCaFiles {
  /** Host file bound read-only over /etc/ssl/certs/ca-certificates.crt. */
  readonly bundle: string;
}

/**
 * Makes the sandbox's CA and its trust bundle: the template's system bundle plus this CA, so the
 * sandbox trusts the public roots as before and, of all Codebox CAs, only its own. In root mode
 * /etc is an overlay on the sandbox's disk that hides the container's bind, so the bundle is also
 * put in the overlay's upper layer (owned by the sandbox's root), where root may change it as
 * any file it owns.
 */
export async function writeSandboxEgressCa(
  sandboxRoot: string,
  sandboxId: string,
  templateBundle: string | undefined,
  rootMode?: { systemDir: string; hostFirst: number },
): Promise<SandboxEgressCaFiles> {
  const ca = await SandboxCa.create(sandboxId);
  const paths = egressCaPaths(sandboxRoot);
  await mkdir(paths.dir, { mode: 0o700 });
  await writeFile(paths.key, ca.files.keyPem, { mode: 0o600, flag: 'wx' });
  await writeFile(paths.cert, ca.certPem, { mode: 0o644, flag: 'wx' });
  const base = templateBundle ?? '';
  const bundle = `${base}${base === '' || base.endsWith('\n') ? '' : '\n'}${ca.certPem}`;
  await writeFile(paths.bundle, bundle, { mode: 0o644, flag: 'wx' });
  if (rootMode) {
    const upperFile = join(rootMode.systemDir, 'upper', SYSTEM_CA_BUNDLE);
    let dir = join(rootMode.systemDir, 'upper');
    for (const part of dirname(SYSTEM_CA_BUNDLE).split('/').filter(Boolean)) {
      dir = join(dir, part);
      await mkdir(dir, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      await chown(dir, rootMode.hostFirst, rootMode.hostFirst);
    }
    await writeFile(upperFile, bundle, { mode: 0o644 });
    await chown(upperFile, rootMode.hostFirst, rootMode.hostFirst);
  }
  return { bundle: paths.bundle };
}

/** The CA of a sandbox this runner (or its predecessor) created, for the egress interception. */
export async function loadSandboxEgressCa(dataDir: string, sandboxId: string): Promise<SandboxCa> {
  const paths = egressCaPaths(sandboxPaths(dataDir, sandboxId).root);
  const [keyPem, certPem] = await Promise.all([readFile(paths.key, 'utf8'), readFile(paths.cert, 'utf8')]);
  return SandboxCa.load({ keyPem, certPem });
}
