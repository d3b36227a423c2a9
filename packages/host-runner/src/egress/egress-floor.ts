import { BlockList, isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * What the egress proxy may never connect to, whatever a sandbox's policy says: the same floor
 * the FORWARD-chain firewall (docker/egress-firewall.ts) enforces for direct traffic. The proxy's
 * own connections leave from the host, where that chain does not see them, so the floor is
 * checked here again, in the same order: the host's own addresses and its directly connected
 * networks are never reachable; DNS only through the runner's forwarder; operator exceptions
 * (`network.egressAllow`) lift the special-purpose list and nothing else.
 */
export type FloorReason = 'not-ipv4' | 'host-address' | 'host-network' | 'dns' | 'special-purpose';

const DNS_PORT = 53;

function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', length = '32'] = cidr.split('/');
    list.addSubnet(address, Number(length), 'ipv4');
  }
  return list;
}

export interface EgressFloorOptions {
  /** The special-purpose blocks (docker/special-purpose-addresses.ts, the firewall's own list). */
  readonly specialPurpose: readonly string[];
  /** Operator exceptions to them (`network.egressAllow`). */
  readonly egressAllow: readonly string[];
  /** The host's directly connected networks, as the firewall has them now. */
  readonly hostNetworks?: readonly string[];
}

export class EgressFloor {
  private readonly exceptions: BlockList;
  private readonly specialPurpose: BlockList;
  private hostNetworks = new BlockList();
  private hostAddresses = new Set<string>();

  constructor(options: EgressFloorOptions) {
    this.specialPurpose = blockListOf(options.specialPurpose);
    this.exceptions = blockListOf(options.egressAllow);
    this.setHostNetworks(options.hostNetworks ?? []);
  }

  /** Called whenever the host's connected networks change (HostNetworkWatcher); re-reads the host's addresses too. */
  setHostNetworks(networks: readonly string[]): void {
    this.hostNetworks = blockListOf(networks);
    this.hostAddresses = new Set(
      Object.values(networkInterfaces())
        .flatMap((entries) => entries ?? [])
        .filter((entry) => entry.family === 'IPv4')
        .map((entry) => entry.address),
    );
  }

  /** Why `address:port` is out of reach, or undefined when the floor lets it pass. */
  check(address: string, port: number): FloorReason | undefined {
    if (!isIPv4(address)) return 'not-ipv4';
    if (this.hostAddresses.has(address)) return 'host-address';
    if (this.hostNetworks.check(address, 'ipv4')) return 'host-network';
    if (port === DNS_PORT) return 'dns';
    if (this.exceptions.check(address, 'ipv4')) return undefined;
    // Loopback, broadcast and multicast are all in the special-purpose list.
    if (this.specialPurpose.check(address, 'ipv4')) return 'special-purpose';
    return undefined;
  }
}
