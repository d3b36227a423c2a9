import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BuildCaTooLargeError, readHostCaBundle, usesBuildCaArg } from './build-ca.js';

const dir = await mkdtemp(join(tmpdir(), 'codebox-ca-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const cert = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;

describe('build CA', () => {
  it('is offered only to Dockerfiles that declare the build arg', () => {
    expect(usesBuildCaArg('FROM x\nARG CODEBOX_BUILD_CA_CERT\nRUN true')).toBe(true);
    expect(usesBuildCaArg('FROM x\n  arg CODEBOX_BUILD_CA_CERT=\n')).toBe(true);
    expect(usesBuildCaArg('FROM x\nARG CODEBOX_BUILD_CA_CERTS\n')).toBe(false);
    expect(usesBuildCaArg('FROM x\nRUN echo CODEBOX_BUILD_CA_CERT\n')).toBe(false);
  });

  it('offers only the certificates that are not public roots', async () => {
    const roots = join(dir, 'roots');
    await mkdir(roots);
    await writeFile(join(roots, 'public.crt'), cert('PUBLIC'));
    const bundle = join(dir, 'bundle.pem');
    await writeFile(bundle, cert('PUBLIC') + cert('LOCALPROXY'));
    expect(await readHostCaBundle({ NODE_EXTRA_CA_CERTS: bundle }, roots)).toBe(cert('LOCALPROXY'));
  });

  it('falls back to SSL_CERT_FILE and offers nothing when there is nothing extra', async () => {
    const roots = join(dir, 'roots2');
    await mkdir(roots);
    await writeFile(join(roots, 'public.crt'), cert('PUBLIC'));
    const onlyPublic = join(dir, 'public.pem');
    const extra = join(dir, 'extra.pem');
    await writeFile(onlyPublic, cert('PUBLIC'));
    await writeFile(extra, cert('EXTRA'));
    expect(await readHostCaBundle({ NODE_EXTRA_CA_CERTS: onlyPublic, SSL_CERT_FILE: extra }, roots)).toBe(cert('EXTRA'));
    expect(await readHostCaBundle({ NODE_EXTRA_CA_CERTS: onlyPublic }, roots)).toBeUndefined();
    expect(await readHostCaBundle({}, roots)).toBeUndefined();
  });

  it('refuses a bundle too large for a build argument', async () => {
    const big = join(dir, 'big.pem');
    await writeFile(big, Array.from({ length: 200 }, (_, i) => cert(`${i}${'A'.repeat(600)}`)).join(''));
    await expect(readHostCaBundle({ NODE_EXTRA_CA_CERTS: big }, join(dir, 'none'))).rejects.toBeInstanceOf(BuildCaTooLargeError);
  });
});
