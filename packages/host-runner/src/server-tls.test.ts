import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:tls';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { RunnerServer } from './server.js';
import { InMemoryBackend } from './sandboxes/testing/in-memory-backend.js';
import { InMemoryTemplateCatalog } from './sandboxes/testing/in-memory-template-catalog.js';
import { TlsCredentialsError } from './tls-credentials.js';

const makeCert = resolve(import.meta.dirname, '../../../scripts/make-test-cert.sh');
const logger = pino({ level: 'silent' });
const KEY = 'e2b_12';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'codebox-server-tls-'));
  execFileSync('bash', [makeCert, join(dir, 'one')]);
  execFileSync('bash', [makeCert, join(dir, 'two')]);
  // The runner's files; the tests swap their content.
  copyFileSync(join(dir, 'one/cert.pem'), join(dir, 'cert.pem'));
  copyFileSync(join(dir, 'one/key.pem'), join(dir, 'key.pem'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function start(http: Record<string, unknown> = {}): Promise<RunnerServer> {
  const config = parseConfig({ port: 0, apiKeys: [KEY], dataDir: dir, http, tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), port: 0 } });
  return RunnerServer.start({ config, backend: new InMemoryBackend(), templates: new InMemoryTemplateCatalog(), logger });
}

/** The certificate the TLS port presents, trusting CA `ca`. */
function presented(port: number, ca: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'codebox.localhost', ca: readFileSync(join(dir, ca, 'ca.pem')) }, () => {
      done(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
      socket.end();
    });
    socket.on('error', fail);
  });
}

const fingerprint = (name: string): string => new X509Certificate(readFileSync(join(dir, name, 'cert.pem'))).fingerprint256;

describe('RunnerServer with TLS', () => {
  it('serves the API on both ports, reports codebox.localhost:<TLS port>, and swaps the certificate on reload only when the new pair loads', async () => {
    const runner = await start();
    try {
      const tlsPort = Number(new URL(runner.tlsUrl ?? '').port);
      expect(runner.domain).toBe(`codebox.localhost:${tlsPort}`);
      const list = await new Promise<number>((done, fail) => {
        request({ host: '127.0.0.1', port: tlsPort, path: '/v2/sandboxes', servername: 'codebox.localhost', ca: readFileSync(join(dir, 'one/ca.pem')), headers: { 'X-API-KEY': KEY } }, (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        })
          .on('error', fail)
          .end();
      });
      expect(list).toBe(200);
      expect((await fetch(`${runner.url}/v2/sandboxes`, { headers: { 'X-API-KEY': KEY } })).status).toBe(200);
      expect(await presented(tlsPort, 'one')).toBe(fingerprint('one'));

      // A key that is not the certificate's: refused, the running pair stays.
      copyFileSync(join(dir, 'two/cert.pem'), join(dir, 'cert.pem'));
      await expect(runner.reloadTls()).rejects.toBeInstanceOf(TlsCredentialsError);
      expect(await presented(tlsPort, 'one')).toBe(fingerprint('one'));

      copyFileSync(join(dir, 'two/key.pem'), join(dir, 'key.pem'));
      await runner.reloadTls();
      expect(await presented(tlsPort, 'two')).toBe(fingerprint('two'));
    } finally {
      await runner.close({ graceMs: 1_000 });
    }
  });

  it('applies the edge to the TLS port too: headers not finished in time get 408, a handshake never started is cut', async () => {
    const runner = await start({ headersTimeoutSeconds: 1 });
    const tlsPort = Number(new URL(runner.tlsUrl ?? '').port);
    const answer = await new Promise<string>((done, fail) => {
      const socket = connect({ host: '127.0.0.1', port: tlsPort, servername: 'codebox.localhost', ca: readFileSync(join(dir, 'one/ca.pem')) }, () => {
        socket.write('GET /v2/sandboxes HTTP/1.1\r\nHost: x\r\n'); // never finished
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => done(text));
      socket.on('error', fail);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // A client that never starts the handshake is cut at the same deadline.
    const net = await import('node:net');
    const silent = net.connect(tlsPort, '127.0.0.1');
    silent.on('error', () => undefined);
    await new Promise<void>((done) => silent.once('close', () => done()));
    await runner.close({ graceMs: 1_000 });
  });

  it('refuses to start with a key that is not the certificate’s', async () => {
    writeFileSync(join(dir, 'key.pem'), readFileSync(join(dir, 'two/key.pem')));
    await expect(start()).rejects.toThrow(/does not belong to the certificate/);
  });
});
