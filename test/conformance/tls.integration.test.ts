import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as e2b from 'e2b';
import { lookupLocalhost } from '../support/localhost-names.js';
import { useRunner } from '../support/use-runner.js';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../..');

// A throwaway CA and a `*.codebox.localhost` certificate, made before the runner starts.
const certDir = mkdtempSync(join(tmpdir(), 'codebox-tls-test-'));
execFileSync('bash', [join(repoRoot, 'scripts/make-test-cert.sh'), certDir]);
const ca = readFileSync(join(certDir, 'ca.pem'));

const runner = useRunner({
  // Port 0: the runner picks one and reports it in the domain (codebox.localhost:<port>).
  env: { CODEBOX_TLS_CERT_FILE: join(certDir, 'cert.pem'), CODEBOX_TLS_KEY_FILE: join(certDir, 'key.pem'), CODEBOX_TLS_PORT: '0' },
});

const SERVER_SOURCE = readFileSync(new URL('../support/fixtures/user-port-server.mjs', import.meta.url), 'utf8');
const PORT = 8000;

/** Trusts the test CA and resolves `*.localhost` to loopback, as a browser with the CA installed would. */
const trusting = new Agent({ connect: { ca, lookup: lookupLocalhost } });

const fetchTrusting = (url: string): Promise<Response> => fetch(url, { dispatcher: trusting } as unknown as RequestInit);

describe('TLS listener', () => {
  let sandbox: e2b.Sandbox;
  let tlsPort: number;
  let plainDispatcher: Dispatcher;
  beforeAll(async () => {
    // The SDK's own fetch (envd, the API over https) trusts the CA through the global dispatcher.
    plainDispatcher = getGlobalDispatcher();
    setGlobalDispatcher(trusting);
    sandbox = await e2b.Sandbox.create('base', { allowInternetAccess: false });
    tlsPort = Number(/^codebox\.localhost:(\d+)$/.exec(sandbox.sandboxDomain ?? '')?.[1]);
    await sandbox.files.write('/home/user/server.mjs', SERVER_SOURCE);
    await sandbox.commands.run(`/opt/codebox/bin/node /home/user/server.mjs ${PORT}`, { background: true });
  });
  afterAll(async () => {
    await sandbox?.kill();
    setGlobalDispatcher(plainDispatcher);
    await trusting.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('reports codebox.localhost:<TLS port> as the domain, so getHost(port) names a host the certificate covers', () => {
    expect(tlsPort).toBeGreaterThan(0);
    expect(tlsPort).not.toBe(Number(new URL(runner().url).port));
    expect(sandbox.getHost(PORT)).toBe(`${PORT}-${sandbox.sandboxId}.codebox.localhost:${tlsPort}`);
  });

  it('serves https://<getHost(port)> (what E2B’s host test fetches) and wss:// to the same server', async () => {
    await expect
      .poll(async () => (await fetchTrusting(`https://${sandbox.getHost(PORT)}/over-tls`).catch(() => undefined))?.status, { timeout: 30_000 })
      .toBe(200);
    const seen = (await (await fetchTrusting(`https://${sandbox.getHost(PORT)}/over-tls?x=1`)).json()) as { url: string; host: string };
    expect(seen).toMatchObject({ url: '/over-tls?x=1', host: sandbox.getHost(PORT) });

    const socket = new WebSocket(`wss://${sandbox.getHost(PORT)}/echo`, { dispatcher: trusting } as unknown as string[]);
    await new Promise<void>((done, fail) => {
      socket.addEventListener('open', () => done(), { once: true });
      socket.addEventListener('error', () => fail(new Error('wss did not open')), { once: true });
    });
    const echo = new Promise<string>((done) => socket.addEventListener('message', (event: MessageEvent) => done(String(event.data)), { once: true }));
    socket.send('über TLS');
    expect(await echo).toBe('über TLS');
    socket.close(1000);
  });

  it('serves the API and envd over https: by URL (E2B_API_URL/E2B_SANDBOX_URL) and with only E2B_DOMAIN', async () => {
    // The SDK fetches through an undici Agent of its own: a CA reaches it only as
    // NODE_EXTRA_CA_CERTS, read at process start, so this part runs in a child process, with the
    // loopback guard of the E2B suites resolving *.localhost (as scripts/e2b-suites.sh does). The
    // child talks to loopback only, so our CA alone is its extra trust.
    const child = `
      import { Sandbox } from 'e2b';
      const { T_SANDBOX: id, T_DOMAIN: domain } = process.env;
      const out = [];
      const byUrl = await Sandbox.connect(id, { apiUrl: 'https://' + domain, sandboxUrl: 'https://' + domain });
      out.push((await byUrl.commands.run('echo by-url')).stdout);
      // The SDKs' production shape: https://api.<domain> and https://49983-<id>.<domain>.
      delete process.env.E2B_API_URL;
      delete process.env.E2B_SANDBOX_URL;
      const byDomain = await Sandbox.connect(id, { domain });
      out.push((await byDomain.commands.run('echo by-domain')).stdout);
      await byDomain.files.write('/home/user/tls.txt', 'written over https');
      out.push(await byDomain.files.read('/home/user/tls.txt'));
      // E2B's host test: the global fetch of https://<getHost(port)>.
      out.push((await fetch('https://' + byDomain.getHost(${PORT}) + '/from-child')).status);
      console.log(JSON.stringify(out));
    `;
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', child], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_OPTIONS: `--import ${join(repoRoot, 'test/e2b-suites/loopback-guard.mjs')}`,
        NODE_EXTRA_CA_CERTS: join(certDir, 'ca.pem'),
        T_SANDBOX: sandbox.sandboxId,
        T_DOMAIN: `codebox.localhost:${tlsPort}`,
      },
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toEqual(['by-url\n', 'by-domain\n', 'written over https', 200]);
  });

  it('closes plain HTTP to the TLS port and failed handshakes without harm to the runner', async () => {
    const plain = await new Promise<string>((done, fail) => {
      const socket = netConnect(tlsPort, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('close', () => done(text));
      socket.on('error', fail);
    });
    expect(plain).not.toContain('HTTP/1.1 200');

    // A client that does not trust the certificate (no CA), and one naming a host it does not cover.
    for (const options of [{ servername: 'codebox.localhost' }, { servername: 'other.example.test', ca }]) {
      const error = await new Promise<Error>((done) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: tlsPort, ...options }, () => done(new Error('handshake succeeded')));
        socket.on('error', done);
      });
      expect(error.message).toMatch(/self-signed|unable to verify|altnames|certificate/i);
    }
    // Garbage in place of a ClientHello.
    await new Promise<void>((done) => {
      const socket = netConnect(tlsPort, '127.0.0.1', () => socket.end(Buffer.alloc(512, 0x16)));
      socket.on('close', () => done());
      socket.on('error', () => undefined);
    });

    expect(runner().alive()).toBe(true);
    const list = (base: string, init: RequestInit = {}): Promise<Response> => fetch(`${base}/v2/sandboxes`, { ...init, headers: { 'X-API-KEY': runner().keys[0] } });
    expect((await list(`https://codebox.localhost:${tlsPort}`, { dispatcher: trusting } as unknown as RequestInit)).status).toBe(200);
    expect((await list(runner().url)).status).toBe(200);
  });

  it('re-reads the certificate on SIGHUP and keeps serving', async () => {
    const renewed = join(certDir, 'renewed');
    execFileSync('bash', [join(repoRoot, 'scripts/make-test-cert.sh'), renewed]);
    copyFileSync(join(renewed, 'key.pem'), join(certDir, 'key.pem'));
    copyFileSync(join(renewed, 'cert.pem'), join(certDir, 'cert.pem'));
    const pid = runner().pid();
    if (pid === undefined) throw new Error('the runner is not running');
    process.kill(pid, 'SIGHUP');
    const expected = new X509Certificate(readFileSync(join(renewed, 'cert.pem'))).fingerprint256;
    const presented = (): Promise<string> =>
      new Promise((done) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: tlsPort, servername: 'codebox.localhost', rejectUnauthorized: false }, () => {
          done(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
          socket.end();
        });
        socket.on('error', () => done(''));
      });
    await expect.poll(presented, { timeout: 10_000 }).toBe(expected);
    expect(runner().alive()).toBe(true);
  });
});
