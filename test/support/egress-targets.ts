import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * Hosts the egress tests may send packets to because the test creates them: a network namespace
 * behind a veth pair, holding addresses from the ranges under test, each reached through a host
 * route to the namespace. Nothing is sent to any address the test did not make: before a single
 * probe, every target's route is checked to lead into the namespace.
 *
 * Layout (all ours): host veth 198.51.100.249/30 <-> namespace veth 198.51.100.250/30, which
 * makes 198.51.100.248/30 a directly connected network of the host. Targets sit on the
 * namespace's loopback as /32s and are routed via .250, like internet destinations.
 */
export const LINK_HOST = '198.51.100.249';
export const LINK_PEER = '198.51.100.250';
export const LINK_NETWORK = '198.51.100.248/30';
export const TCP_PORT = 8080;

export interface EgressTargets {
  readonly namespace: string;
  readonly hostInterface: string;
  close(): void;
}

function sh(args: string[]): string {
  return execFileSync(args[0] ?? '', args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const LISTENER = `
const net = require('node:net'); const dgram = require('node:dgram');
net.createServer((s) => { s.end('reached\\n'); s.on('error', () => {}); }).listen(${TCP_PORT}, '0.0.0.0');
const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(m, r.port, r.address)); u.bind(53, '0.0.0.0');
`;

export async function createEgressTargets(targets: readonly string[]): Promise<EgressTargets> {
  const id = randomBytes(3).toString('hex');
  const namespace = `cbxt-${id}`;
  const hostInterface = `cbxh${id}`;
  const peerInterface = `cbxn${id}`;
  let listener: ChildProcess | undefined;
  const routes: string[] = [];
  const close = (): void => {
    listener?.kill('SIGKILL');
    for (const target of routes) {
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
    sh(['ip', 'addr', 'add', `${LINK_HOST}/30`, 'dev', hostInterface]);
    sh(['ip', 'link', 'set', hostInterface, 'up']);
    const inNs = (args: string[]): string => sh(['ip', 'netns', 'exec', namespace, ...args]);
    inNs(['ip', 'addr', 'add', `${LINK_PEER}/30`, 'dev', peerInterface]);
    inNs(['ip', 'link', 'set', peerInterface, 'up']);
    inNs(['ip', 'link', 'set', 'lo', 'up']);
    inNs(['ip', 'route', 'add', 'default', 'via', LINK_HOST]);
    for (const target of targets) {
      if (target === LINK_PEER || target === LINK_HOST) continue;
      inNs(['ip', 'addr', 'add', `${target}/32`, 'dev', 'lo']);
      sh(['ip', 'route', 'add', `${target}/32`, 'via', LINK_PEER, 'dev', hostInterface]);
      routes.push(target);
    }
    // Fail closed: a target whose route does not lead into our namespace is never probed.
    for (const target of targets) {
      const route = sh(['ip', 'route', 'get', target]);
      const local = target === LINK_HOST && /^local /.test(route);
      if (!local && !route.includes(`dev ${hostInterface}`)) throw new Error(`route to ${target} does not lead to the test namespace: ${route}`);
    }
    listener = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', LISTENER], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!/:8080\b/.test(inNs(['ss', '-tln'])) || !/:53\b/.test(inNs(['ss', '-uln']))) {
      if (Date.now() > deadline) throw new Error('test listeners did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    return { namespace, hostInterface, close };
  } catch (err) {
    close();
    throw err;
  }
}
