/**
 * What a sandbox may never reach because it is not a globally routable unicast address: the
 * IANA IPv4 and IPv6 Special-Purpose Address Registries
 * (https://www.iana.org/assignments/iana-ipv4-special-registry,
 * https://www.iana.org/assignments/iana-ipv6-special-registry), transcribed with the entries
 * they had in 2025 (last additions: 3fff::/20 RFC 9637 and 5f00::/16 RFC 9602, 2024;
 * 100:0:0:1::/64 RFC 9780, 2025), plus multicast, which has its own registries.
 *
 * The whole registry is denied, including the few entries IANA marks globally reachable
 * (anycast relays, AS112): sandboxes have no use for them, and one rule per registry block is
 * simpler to check than exceptions. Sub-blocks inside a listed block (192.0.0.0/29 in
 * 192.0.0.0/24, 2001::/32 in 2001::/23) are covered by it and not repeated.
 */
export interface SpecialPurposeBlock {
  readonly cidr: string;
  readonly name: string;
}

export const SPECIAL_PURPOSE_IPV4: readonly SpecialPurposeBlock[] = [
  { cidr: '0.0.0.0/8', name: '"This network" (RFC 791)' },
  { cidr: '10.0.0.0/8', name: 'Private-Use (RFC 1918)' },
  { cidr: '100.64.0.0/10', name: 'Shared Address Space, CGNAT (RFC 6598)' },
  { cidr: '127.0.0.0/8', name: 'Loopback (RFC 1122)' },
  { cidr: '169.254.0.0/16', name: 'Link Local, cloud metadata (RFC 3927)' },
  { cidr: '172.16.0.0/12', name: 'Private-Use (RFC 1918)' },
  { cidr: '192.0.0.0/24', name: 'IETF Protocol Assignments (RFC 6890), incl. DS-Lite, dummy, PCP, TURN, NAT64 discovery' },
  { cidr: '192.0.2.0/24', name: 'Documentation TEST-NET-1 (RFC 5737)' },
  { cidr: '192.31.196.0/24', name: 'AS112-v4 (RFC 7535)' },
  { cidr: '192.52.193.0/24', name: 'AMT (RFC 7450)' },
  { cidr: '192.88.99.0/24', name: 'Deprecated 6to4 Relay Anycast (RFC 7526)' },
  { cidr: '192.168.0.0/16', name: 'Private-Use (RFC 1918)' },
  { cidr: '192.175.48.0/24', name: 'Direct Delegation AS112 Service (RFC 7534)' },
  { cidr: '198.18.0.0/15', name: 'Benchmarking (RFC 2544)' },
  { cidr: '198.51.100.0/24', name: 'Documentation TEST-NET-2 (RFC 5737)' },
  { cidr: '203.0.113.0/24', name: 'Documentation TEST-NET-3 (RFC 5737)' },
  { cidr: '240.0.0.0/4', name: 'Reserved (RFC 1112)' },
  { cidr: '255.255.255.255/32', name: 'Limited Broadcast (RFC 919)' },
  { cidr: '224.0.0.0/4', name: 'Multicast (RFC 5771; multicast registry)' },
];

export const SPECIAL_PURPOSE_IPV6: readonly SpecialPurposeBlock[] = [
  { cidr: '::/128', name: 'Unspecified Address (RFC 4291)' },
  { cidr: '::1/128', name: 'Loopback Address (RFC 4291)' },
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped Address (RFC 4291)' },
  { cidr: '64:ff9b::/96', name: 'IPv4-IPv6 Translat. (RFC 6052)' },
  { cidr: '64:ff9b:1::/48', name: 'IPv4-IPv6 Translat., local use (RFC 8215)' },
  { cidr: '100::/64', name: 'Discard-Only Address Block (RFC 6666)' },
  { cidr: '100:0:0:1::/64', name: 'Dummy IPv6 Prefix (RFC 9780)' },
  { cidr: '2001::/23', name: 'IETF Protocol Assignments (RFC 2928), incl. TEREDO, benchmarking, ORCHID' },
  { cidr: '2001:db8::/32', name: 'Documentation (RFC 3849)' },
  { cidr: '2002::/16', name: '6to4 (RFC 3056)' },
  { cidr: '2620:4f:8000::/48', name: 'Direct Delegation AS112 Service (RFC 7534)' },
  { cidr: '3fff::/20', name: 'Documentation (RFC 9637)' },
  { cidr: '5f00::/16', name: 'Segment Routing SIDs (RFC 9602)' },
  { cidr: 'fc00::/7', name: 'Unique-Local (RFC 4193)' },
  { cidr: 'fe80::/10', name: 'Link-Local Unicast (RFC 4291)' },
  { cidr: 'ff00::/8', name: 'Multicast (RFC 4291; multicast registry)' },
];
