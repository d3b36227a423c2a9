import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNetnsProcess } from './netns-process.js';

/**
 * HTTP (port 8081) and HTTPS (port 8443, a fresh self-signed certificate) on every address of a
 * test network namespace (../support/netns-targets.ts). Each answers `hello <Host> at
 * <local address>`; `/bytes/<n>` streams n zero bytes (throughput). Every request is reported
 * (local address, Host), so a test sees which target a connection really reached.
 */
export const WEB_HTTP_PORT = 8081;
export const WEB_HTTPS_PORT = 8443;

export interface WebHit {
  readonly local: string;
  readonly host: string;
  readonly path: string;
}

export interface NetnsWebServer extends AsyncDisposable {
  readonly hits: readonly WebHit[];
  close(): Promise<void>;
}

const SERVER = `
const http = require('node:http'); const https = require('node:https');
const [cert, key] = JSON.parse(process.argv[1]);
const zeros = Buffer.alloc(1 << 20);
const handler = (req, res) => {
  process.stdout.write(JSON.stringify({ local: req.socket.localAddress, host: req.headers.host || '', path: req.url }) + '\\n');
  const m = /^\\/bytes\\/(\\d+)$/.exec(req.url);
  if (m) {
    let left = Number(m[1]);
    res.writeHead(200, { 'content-length': String(left) });
    const more = () => { while (left > 0) { const n = Math.min(left, zeros.length); left -= n; if (!res.write(zeros.subarray(0, n))) return res.once('drain', more); } res.end(); };
    return more();
  }
  res.end('hello ' + (req.headers.host || '') + ' at ' + req.socket.localAddress + '\\n');
};
let up = 0; const ready = () => { if (++up === 2) process.stdout.write('{"listening":true}\\n'); };
http.createServer(handler).listen(${WEB_HTTP_PORT}, '0.0.0.0', ready);
https.createServer({ cert, key }, handler).listen(${WEB_HTTPS_PORT}, '0.0.0.0', ready);
`;

/** Starts the servers in `namespace`; the certificate names `names` (self-signed: clients use -k). */
export async function startNetnsWebServer(namespace: string, names: readonly string[]): Promise<NetnsWebServer> {
  const dir = mkdtempSync(join(tmpdir(), 'codebox-web-'));
  let pem: [string, string];
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', `/CN=${names[0] ?? 'target.test'}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    pem = [readFileSync(join(dir, 'cert.pem'), 'utf8'), readFileSync(join(dir, 'key.pem'), 'utf8')];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const server = await startNetnsProcess<WebHit>(namespace, SERVER, JSON.stringify(pem), 'the web test server');
  return { hits: server.events, close: server.close, [Symbol.asyncDispose]: server.close };
}
