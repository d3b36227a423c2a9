// Loaded into every Node process of E2B's JS suites (`NODE_OPTIONS=--import <this file>`): TCP
// connections may go only to loopback. Anything else (the SDK's default *.e2b.app, a test's fetch of
// a public host) fails at once with ECONNREFUSED instead of leaving the machine, and is logged to
// $CODEBOX_GUARD_LOG with the test that tried, so the report can name it. Unix sockets pass.
// Names under localhost (`8000-<id>.codebox.localhost`, what getHost() returns) resolve to 127.0.0.1
// here, as browsers and curl resolve them (RFC 6761) and Node's resolver does not.
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const logPath = process.env.CODEBOX_GUARD_LOG;

function isLoopbackAddress(host) {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h) || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(h);
  return false;
}

function isLoopbackName(host) {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/** `x.localhost` (not `localhost` itself, which the system resolver knows, maybe as ::1). */
function isUnderLocalhost(host) {
  return host.toLowerCase().replace(/\.$/, '').endsWith('.localhost');
}

function answerLoopback(_hostname, opts, cb) {
  const options = typeof opts === 'object' && opts !== null ? opts : {};
  if (options.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}

function current() {
  const where = globalThis.__codeboxE2bSuites;
  return where ? `${where.file ?? '?'}\t${where.test ?? ''}` : '?\t';
}

function log(kind, target) {
  if (!logPath) return;
  try {
    appendFileSync(logPath, `${kind}\t${target}\t${current()}\n`);
  } catch {
    // logging must never break the test process
  }
}

/** The (host, port) a Socket#connect call names, or undefined for a Unix socket / pipe. */
function target(args) {
  let [first, second] = args;
  if (Array.isArray(first)) [first, second] = first; // the internal normalized form
  if (first !== null && typeof first === 'object') {
    if (first.path !== undefined) return undefined;
    return { host: first.host ?? 'localhost', port: first.port, options: first };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined;
  return { host: typeof second === 'string' ? second : 'localhost', port: first };
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const t = target(args);
  if (t === undefined) return originalConnect.apply(this, args);
  const where = `${t.host}:${t.port}`;
  if (isLoopbackAddress(t.host)) {
    log('connect', where);
    return originalConnect.apply(this, args);
  }
  if (isLoopbackName(t.host) && t.options !== undefined) {
    // A name: let it resolve, but only to loopback.
    const lookup = isUnderLocalhost(t.host)
      ? answerLoopback
      : (t.options.lookup ?? ((hostname, opts, cb) => import('node:dns').then((dns) => dns.lookup(hostname, opts, cb))));
    t.options.lookup = (hostname, opts, cb) =>
      lookup(hostname, opts, (err, address, family) => {
        if (err) return cb(err, address, family);
        const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
        if (addresses.every((a) => isLoopbackAddress(a))) return cb(null, address, family);
        log('blocked', `${where} (${addresses.join(',')})`);
        return cb(Object.assign(new Error(`loopback guard: ${hostname} resolves to ${addresses.join(',')}`), { code: 'ECONNREFUSED' }));
      });
    log('connect', where);
    return originalConnect.apply(this, args);
  }
  if (isLoopbackName(t.host)) {
    log('connect', where);
    // connect(port, host[, cb]): the host argument is the second.
    if (isUnderLocalhost(t.host) && typeof args[1] === 'string') args[1] = '127.0.0.1';
    return originalConnect.apply(this, args);
  }
  log('blocked', where);
  const error = Object.assign(new Error(`loopback guard: connection to ${where} blocked (E2B suites may reach loopback only)`), {
    code: 'ECONNREFUSED',
    syscall: 'connect',
  });
  process.nextTick(() => this.destroy(error));
  return this;
};
