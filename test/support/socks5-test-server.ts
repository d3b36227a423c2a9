import { startNetnsProcess } from './netns-process.js';

/**
 * A small SOCKS5 server (RFC 1928, CONNECT only, username/password auth of RFC 1929) run inside a
 * test network namespace, standing in for a caller's `egressProxy`. It resolves names only from
 * the table it is given (never real DNS) and reports every request it sees, so a test can tell
 * which connections went through it, by name or by address, and with which credentials.
 */
export interface Socks5Request {
  readonly username?: string;
  /** Whether the credentials matched (always true when the server requires none). */
  readonly authorised: boolean;
  /** `domain` (ATYP 3) or `ipv4` (ATYP 1). */
  readonly addressType: 'domain' | 'ipv4';
  readonly host: string;
  readonly port: number;
}

export interface Socks5TestServerOptions {
  readonly namespace: string;
  readonly address: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  /** Names it can resolve (name → IPv4). */
  readonly hosts?: Readonly<Record<string, string>>;
}

export interface Socks5TestServer extends AsyncDisposable {
  readonly requests: readonly Socks5Request[];
  close(): Promise<void>;
}

const SERVER = `
const net = require('node:net');
const cfg = JSON.parse(process.argv[1]);
const report = (r) => process.stdout.write(JSON.stringify(r) + '\\n');
net.createServer((c) => {
  c.on('error', () => {});
  let buf = Buffer.alloc(0); let stage = 'greeting'; let user; let authorised = !cfg.username;
  const need = (n) => buf.length >= n;
  c.on('data', function onData(chunk) {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (stage === 'greeting') {
        if (!need(2) || !need(2 + buf[1])) return;
        const methods = [...buf.subarray(2, 2 + buf[1])]; buf = buf.subarray(2 + buf[1]);
        const method = cfg.username ? 2 : 0;
        if (!methods.includes(method)) { c.end(Buffer.from([5, 0xff])); return; }
        c.write(Buffer.from([5, method])); stage = cfg.username ? 'auth' : 'request';
      } else if (stage === 'auth') {
        if (!need(2)) return; const ul = buf[1]; if (!need(3 + ul)) return; const pl = buf[2 + ul]; if (!need(3 + ul + pl)) return;
        user = buf.subarray(2, 2 + ul).toString(); const pass = buf.subarray(3 + ul, 3 + ul + pl).toString(); buf = buf.subarray(3 + ul + pl);
        authorised = user === cfg.username && pass === cfg.password;
        if (!authorised) { report({ username: user, authorised, addressType: 'none', host: '', port: 0 }); c.end(Buffer.from([1, 1])); return; }
        c.write(Buffer.from([1, 0])); stage = 'request';
      } else if (stage === 'request') {
        if (!need(5)) return; let host; let type; let end;
        if (buf[3] === 1) { if (!need(10)) return; host = [...buf.subarray(4, 8)].join('.'); type = 'ipv4'; end = 8; }
        else if (buf[3] === 3) { if (!need(5 + buf[4] + 2)) return; host = buf.subarray(5, 5 + buf[4]).toString(); type = 'domain'; end = 5 + buf[4]; }
        else { c.destroy(); return; }
        const port = buf.readUInt16BE(end); const rest = buf.subarray(end + 2); stage = 'relay'; c.off('data', onData);
        report({ ...(user === undefined ? {} : { username: user }), authorised, addressType: type, host, port });
        const ip = type === 'domain' ? (cfg.hosts || {})[host] : host;
        if (!ip) { c.end(Buffer.from([5, 4, 0, 1, 0, 0, 0, 0, 0, 0])); return; }
        const u = net.connect(port, ip, () => { c.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0])); if (rest.length) u.write(rest); c.pipe(u); u.pipe(c); });
        u.on('error', () => c.destroy()); c.on('close', () => u.destroy());
        return;
      } else return;
    }
  });
}).listen(cfg.port, cfg.address, () => report({ listening: true }));
`;

export async function startSocks5TestServer(options: Socks5TestServerOptions): Promise<Socks5TestServer> {
  const config = { address: options.address, port: options.port, username: options.username, password: options.password, hosts: options.hosts ?? {} };
  const server = await startNetnsProcess<Socks5Request>(options.namespace, SERVER, JSON.stringify(config), 'the SOCKS5 test server');
  return { requests: server.events, close: server.close, [Symbol.asyncDispose]: server.close };
}
