import { spawn, type ChildProcess } from 'node:child_process';
import { isIPv4 } from 'node:net';
import type { Logger } from 'pino';
import { runHostCommand } from './host-command.js';

/** The parts of `ip -json route` / `ip -json addr` output this module reads. */
export interface IpRouteEntry {
  dst?: string;
  type?: string;
  gateway?: string;
  via?: unknown;
  nexthops?: unknown;
}

export interface IpAddressEntry {
  addr_info?: ReadonlyArray<{ family?: string; local?: string; prefixlen?: number }>;
}

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

/** `a.b.c.d/len` with host bits cleared, or undefined when it is not an IPv4 prefix. */
export function ipv4Network(address: string, prefixLength: number): string | undefined {
  if (!isIPv4(address) || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) return undefined;
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return `${intToIpv4((ipv4ToInt(address) & mask) >>> 0)}/${prefixLength}`;
}

/**
 * The IPv4 networks the host sits on directly: every unicast route without a gateway (the
 * kernel's own subnet routes, device routes, point-to-point peers) in any routing table, and
 * the prefix of every host address. Whatever those networks are (public, documentation,
 * another team's LAN), a sandbox must not reach them: they are the host's neighbourhood, not the
 * internet. Default routes are skipped: a gateway-less default (`default dev ppp0`) is the
 * internet itself.
 */
export function connectedNetworks(routes: readonly IpRouteEntry[], addresses: readonly IpAddressEntry[]): string[] {
  const networks = new Set<string>();
  for (const route of routes) {
    if ((route.type ?? 'unicast') !== 'unicast' || route.gateway !== undefined || route.via !== undefined || route.nexthops !== undefined) continue;
    if (route.dst === undefined || route.dst === 'default') continue;
    const [address = '', length] = route.dst.split('/');
    const network = ipv4Network(address, length === undefined ? 32 : Number(length));
    if (network && !network.endsWith('/0')) networks.add(network);
  }
  for (const entry of addresses) {
    for (const info of entry.addr_info ?? []) {
      if (info.family !== 'inet' || info.local === undefined || info.prefixlen === undefined) continue;
      const network = ipv4Network(info.local, info.prefixlen);
      if (network && !network.endsWith('/0')) networks.add(network);
    }
  }
  return [...networks].sort();
}

export async function readConnectedNetworks(): Promise<string[]> {
  const [routes, addresses] = await Promise.all([
    runHostCommand('ip', ['-json', '-4', 'route', 'show', 'table', 'all']),
    runHostCommand('ip', ['-json', '-4', 'address', 'show']),
  ]);
  return connectedNetworks(JSON.parse(routes || '[]') as IpRouteEntry[], JSON.parse(addresses || '[]') as IpAddressEntry[]);
}

export interface HostNetworkWatcherOptions {
  /** Called with the new list whenever it differs from the last one applied. */
  onChange: (networks: string[]) => Promise<void>;
  logger: Logger;
  /** Full re-read even without events, in case the monitor missed one. Default 30 s. */
  resyncMs?: number;
  /** Events come in bursts (an interface up brings addresses and routes); wait for quiet. */
  debounceMs?: number;
}

/**
 * Follows the host's addresses and routes (`ip monitor`) so the firewall's list of connected
 * networks is current within a fraction of a second of a change, with a periodic re-read as a
 * backstop. Errors are logged, never thrown: the previous list stays in force.
 */
export class HostNetworkWatcher {
  private monitor: ChildProcess | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private applied = '';
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: HostNetworkWatcherOptions) {}

  /** Follows changes from `initial`, the list the firewall already holds. */
  start(initial: readonly string[]): void {
    this.applied = initial.join(',');
    this.startMonitor();
    this.resyncTimer = setInterval(() => this.schedule(0), this.options.resyncMs ?? 30_000);
    this.resyncTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    clearTimeout(this.debounceTimer);
    this.monitor?.kill();
    this.monitor = undefined;
  }

  private startMonitor(): void {
    if (this.stopped) return;
    const child = spawn('ip', ['-4', 'monitor', 'address', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.monitor = child;
    child.stdout.on('data', () => this.schedule(this.options.debounceMs ?? 200));
    child.on('error', (err) => this.options.logger.warn({ err }, 'ip monitor failed; relying on periodic re-reads'));
    child.on('exit', () => {
      if (this.stopped || this.monitor !== child) return;
      setTimeout(() => this.startMonitor(), 1000).unref();
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.running = this.running.then(() => this.refresh());
    }, delayMs);
  }

  private async refresh(): Promise<void> {
    if (this.stopped) return;
    try {
      const networks = await readConnectedNetworks();
      const key = networks.join(',');
      if (key === this.applied) return;
      await this.options.onChange(networks);
      this.applied = key;
      this.options.logger.info({ networks }, 'host networks changed; sandbox firewall updated');
    } catch (err) {
      this.options.logger.error({ err }, 'could not update the host networks in the sandbox firewall');
    }
  }
}
