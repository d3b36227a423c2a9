import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';

/**
 * Hosts a test may send packets to because it made them: a network namespace joined to the host
 * by a veth pair, holding the namespace's end of the link and any further addresses (on its
 * loopback, each reached through a host route into the namespace, like internet destinations).
 * Every address answers TCP 8080 with "reached\n" and echoes UDP 53. Nothing is sent to an
 * address the test did not make: before a single probe, every target's route is checked to lead
 * into the namespace. Traffic never leaves this machine, so a test can show what a sandbox can
 * and cannot reach.
 */
export const TARGET_TCP_PORT = 8080;
export const TARGET_UDP_PORT = 53;

export interface NetnsTargetsOptions {
  /**
   * The /30 joining the host (first address) and the namespace (second), e.g. `198.51.100.248/30`.
   * Default: a random /30 in 10.231.0.0/16 (a range the egress filter blocks), so parallel runs
   * on this machine do not collide.
   */
  readonly link?: string;
  /** More target addresses, placed on the namespace's loopback and routed into it from the host. */
  readonly addresses?: readonly string[];
}

export interface NetnsTargets extends AsyncDisposable {
  readonly namespace: string;
  readonly hostInterface: string;
  /** The link's network, `a.b.c.d/30`. */
  readonly linkNetwork: string;
  /** The host's address on the link. */
  readonly hostAddress: string;
  /** The namespace's address on the link: a target, directly connected to the host. */
  readonly peerAddress: string;
  /** Every target address: the peer and `addresses`. */
  readonly targets: readonly string[];
  /** Stops the listener and removes the routes, the link and the namespace. */
  close(): Promise<void>;
}

const LISTENER = `
const net = require('node:net'); const dgram = require('node:dgram');
net.createServer((s) => { s.end('reached\\n'); s.on('error', () => {}); }).listen(${TARGET_TCP_PORT}, '0.0.0.0');
const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(m, r.port, r.address)); u.bind(${TARGET_UDP_PORT}, '0.0.0.0');
`;

function sh(args: readonly string[]): string {
  return execFileSync(args[0] ?? '', args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function randomLink(): string {
  return `10.231.${randomInt(0, 256)}.${randomInt(0, 64) * 4}/30`;
}

export async function startNetnsTargets(options: NetnsTargetsOptions = {}): Promise<NetnsTargets> {
  const linkNetwork = options.link ?? randomLink();
  const [a, b, c, d] = (linkNetwork.split('/')[0] ?? '').split('.').map(Number) as [number, number, number, number];
  const hostAddress = `${a}.${b}.${c}.${d + 1}`;
  const peerAddress = `${a}.${b}.${c}.${d + 2}`;
  const extra = (options.addresses ?? []).filter((address) => address !== peerAddress && address !== hostAddress);
  const id = randomBytes(3).toString('hex');
  const namespace = `cbxt-${id}`;
  const hostInterface = `cbxh${id}`;
  const peerInterface = `cbxn${id}`;
  let listener: ChildProcess | undefined;
  const routes: string[] = [];

  const close = async (): Promise<void> => {
    if (listener && listener.exitCode === null && listener.signalCode === null) {
      const exited = once(listener, 'exit');
      listener.kill('SIGKILL');
      await exited;
    }
    for (const target of routes.splice(0)) {
      try {
        sh(['ip', 'route', 'del', `${target}/32`, 'dev', hostInterface]);
      } catch {
        // went with the interface
      }
    }
    for (const step of [
      ['ip', 'link', 'del', hostInterface],
      ['ip', 'netns', 'del', namespace],
    ]) {
      try {
        sh(step);
      } catch {
        // never made, or already gone
      }
    }
  };

  try {
    sh(['ip', 'netns', 'add', namespace]);
    sh(['ip', 'link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', peerInterface]);
    sh(['ip', 'link', 'set', peerInterface, 'netns', namespace]);
    sh(['ip', 'addr', 'add', `${hostAddress}/30`, 'dev', hostInterface]);
    sh(['ip', 'link', 'set', hostInterface, 'up']);
    const inNs = (args: readonly string[]): string => sh(['ip', 'netns', 'exec', namespace, ...args]);
    inNs(['ip', 'addr', 'add', `${peerAddress}/30`, 'dev', peerInterface]);
    inNs(['ip', 'link', 'set', peerInterface, 'up']);
    inNs(['ip', 'link', 'set', 'lo', 'up']);
    inNs(['ip', 'route', 'add', 'default', 'via', hostAddress]);
    for (const target of extra) {
      inNs(['ip', 'addr', 'add', `${target}/32`, 'dev', 'lo']);
      sh(['ip', 'route', 'add', `${target}/32`, 'via', peerAddress, 'dev', hostInterface]);
      routes.push(target);
    }
    // Fail closed: a target whose route does not lead into our namespace is never probed.
    for (const target of [peerAddress, ...extra]) {
      const route = sh(['ip', 'route', 'get', target]);
      if (!route.includes(`dev ${hostInterface}`)) throw new Error(`route to ${target} does not lead to the test namespace: ${route}`);
    }
    listener = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', LISTENER], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    const tcp = new RegExp(`:${TARGET_TCP_PORT}\\b`);
    const udp = new RegExp(`:${TARGET_UDP_PORT}\\b`);
    while (!tcp.test(inNs(['ss', '-tln'])) || !udp.test(inNs(['ss', '-uln']))) {
      if (listener.exitCode !== null) throw new Error(`the test listener exited with ${listener.exitCode}`);
      if (Date.now() > deadline) throw new Error('the test listeners did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { namespace, hostInterface, linkNetwork, hostAddress, peerAddress, targets: [peerAddress, ...extra], close, [Symbol.asyncDispose]: close };
}


/**
 * Python that connects to every address given as a JSON list (argv[1]) on TARGET_TCP_PORT at once
 * (3 s timeout each) and prints one JSON object: address → "reached" (the target's greeting),
 * "connected", "timeout" (dropped on the way) or "error:<errno>" (e.g. 111: reset by a REJECT).
 */
export const TARGETS_PROBE = `
import json, socket, sys
from concurrent.futures import ThreadPoolExecutor
def tcp(ip):
    try:
        s = socket.create_connection((ip, ${TARGET_TCP_PORT}), timeout=3)
        data = s.recv(16)
        s.close()
        return "reached" if data.startswith(b"reached") else "connected"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return "error:" + str(e.errno)
targets = json.loads(sys.argv[1])
with ThreadPoolExecutor(len(targets)) as pool:
    print(json.dumps(dict(zip(targets, pool.map(tcp, targets)))))
`;
