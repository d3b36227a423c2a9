import { isIPv4, isIPv6 } from 'node:net';
import type { SandboxNetwork, SandboxNetworkUpdate } from '@codebox/protocol';
import { ipv4Network } from '../host/host-networks.js';
import { InvalidRequestError } from '../sandboxes/errors.js';
import {
  OPEN_EGRESS,
  type CidrDestination,
  type EgressDestination,
  type EgressPolicy,
  type EgressProxySetting,
  type EgressRule,
  type SandboxNetworkSettings,
} from './egress-policy.js';

/** E2B's spelling of "no internet" in a deny list. */
export const DENY_ALL_CIDR = '0.0.0.0/0';

/** A DNS label: letters, digits, hyphens inside, at most 63 characters. */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** Header names are RFC 9110 tokens; values carry no line breaks or NULs (no header injection). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;

/**
 * One `allowOut`/`denyOut` entry: an IPv4 address (`8.8.8.8` → `/32`), an IPv4 CIDR (host bits
 * cleared), or (`names: true`) a host name `example.com` / `*.example.com`. IPv6 is refused:
 * the sandbox bridge has no IPv6, so such a rule could never match and would only mislead.
 */
export function parseDestination(entry: string, field: string, names: boolean): EgressDestination {
  const text = entry.trim();
  const [address = '', prefix, ...rest] = text.split('/');
  if (isIPv6(address)) {
    throw new InvalidRequestError(`${field}: "${entry}" is an IPv6 address; Codebox sandboxes have no IPv6 (the bridge carries IPv4 only), so list IPv4 addresses or CIDRs.`);
  }
  if (isIPv4(address) && rest.length === 0) {
    const length = prefix === undefined ? 32 : /^\d{1,2}$/.test(prefix) ? Number(prefix) : Number.NaN;
    const cidr = ipv4Network(address, length);
    if (cidr === undefined) throw new InvalidRequestError(`${field}: "${entry}" is not a valid IPv4 CIDR (the prefix length must be 0 to 32).`);
    return { kind: 'cidr', cidr };
  }
  if (!names) {
    throw new InvalidRequestError(`${field}: "${entry}" is not an IPv4 address or CIDR; deny rules take addresses and CIDRs only (as E2B's API), not host names.`);
  }
  return { kind: 'domain', pattern: parseDomainPattern(text, field) };
}

/** `example.com` or `*.example.com`, lower-cased, without a trailing dot. */
export function parseDomainPattern(entry: string, field: string): string {
  const name = entry.trim().toLowerCase().replace(/\.$/, '');
  const bare = name.startsWith('*.') ? name.slice(2) : name;
  const labels = bare.split('.');
  if (name.length > 253 || labels.length < 1 || !labels.every((label) => LABEL.test(label)) || /^[0-9.]+$/.test(bare)) {
    throw new InvalidRequestError(`${field}: "${entry}" is neither an IPv4 address, an IPv4 CIDR nor a host name like "example.com" or "*.example.com".`);
  }
  return name;
}

type EgressFields = Pick<SandboxNetwork, 'allowOut' | 'denyOut' | 'rules' | 'egressProxy'>;

/** The egress part of create's `network` or an update body, as the policy every layer holds. */
export function parseEgress(fields: EgressFields, prefix: string): EgressPolicy {
  const allowOut = dedupe((fields.allowOut ?? []).map((entry) => parseDestination(entry, `${prefix}allowOut`, true)));
  const denyOut = dedupe(
    (fields.denyOut ?? []).map((entry) => parseDestination(entry, `${prefix}denyOut`, false) as CidrDestination),
  );
  const rules: Record<string, readonly EgressRule[]> = {};
  for (const [domain, list] of Object.entries(fields.rules ?? {})) {
    const key = parseDomainPattern(domain, `${prefix}rules`);
    rules[key] = list.map((rule) => parseRule(rule, `${prefix}rules["${domain}"]`));
  }
  const egressProxy = fields.egressProxy ? parseEgressProxy(fields.egressProxy, `${prefix}egressProxy`) : undefined;
  return { allowOut, denyOut, rules, ...(egressProxy ? { egressProxy } : {}) };
}

function parseRule(rule: { transform?: { headers?: Record<string, string> | undefined } | undefined }, field: string): EgressRule {
  if (!rule.transform) return {};
  const headers = rule.transform.headers ?? {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new InvalidRequestError(`${field}.transform.headers: "${name}" is not a valid HTTP header name.`);
    if (!HEADER_VALUE.test(value)) throw new InvalidRequestError(`${field}.transform.headers["${name}"]: a header value must not contain line breaks or NUL.`);
  }
  return { transform: { headers: { ...headers } } };
}

/** `host:port` (host a name, an IPv4 address or a bracketed IPv6 address), port 1-65535. */
function parseEgressProxy(proxy: { address: string; username?: string | undefined; password?: string | undefined }, field: string): EgressProxySetting {
  const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(proxy.address.trim());
  const host = match?.[1] ?? '';
  const port = Number(match?.[2]);
  const hostOk = host.startsWith('[') ? isIPv6(host.slice(1, -1)) : isIPv4(host) || safeDomain(host);
  if (!match || !hostOk || port < 1 || port > 65535) {
    throw new InvalidRequestError(`${field}.address: "${proxy.address}" is not a SOCKS5 proxy address in host:port form (e.g. "proxy.example.com:1080").`);
  }
  return {
    address: proxy.address.trim(),
    ...(proxy.username === undefined ? {} : { username: proxy.username }),
    ...(proxy.password === undefined ? {} : { password: proxy.password }),
  };
}

function safeDomain(host: string): boolean {
  try {
    return !parseDomainPattern(host, '').startsWith('*.');
  } catch {
    return false;
  }
}

/** What create's `network` and `allow_internet_access` settle together. */
export interface CreateNetworkChoice {
  /**
   * `false` only for `allow_internet_access: false`: the sandbox gets no network device at all
   * (only `lo`), the stronger isolation, and its policy cannot be opened later.
   */
  allowInternetAccess: boolean;
  network: SandboxNetworkSettings;
}

export function parseCreateNetwork(network: SandboxNetwork | null | undefined, allowInternetAccess: boolean | undefined): CreateNetworkChoice {
  const egress = network ? parseEgress(network, 'network.') : OPEN_EGRESS;
  if (network?.maskRequestHost !== undefined) assertMaskRequestHost(network.maskRequestHost);
  return {
    allowInternetAccess: allowInternetAccess ?? true,
    network: {
      egress,
      allowPublicTraffic: network?.allowPublicTraffic ?? true,
      ...(network?.maskRequestHost === undefined ? {} : { maskRequestHost: network.maskRequestHost }),
    },
  };
}

/**
 * `PUT /sandboxes/{id}/network`: the new policy replaces the old one whole (omitted fields are
 * cleared); `allow_internet_access: false` adds E2B's deny-all.
 */
export function parseNetworkUpdate(body: SandboxNetworkUpdate): EgressPolicy {
  const policy = parseEgress(body, '');
  if (body.allow_internet_access !== false) return policy;
  return { ...policy, denyOut: dedupe([...policy.denyOut, { kind: 'cidr', cidr: DENY_ALL_CIDR }]) };
}

/** The value goes into a Host header: printable, no whitespace or path, `${PORT}` the only placeholder. */
function assertMaskRequestHost(mask: string): void {
  const sample = mask.replaceAll('${PORT}', '8080');
  if (sample.length === 0 || sample.length > 255 || !/^[A-Za-z0-9._~:[\]-]+$/.test(sample)) {
    throw new InvalidRequestError(
      `network.maskRequestHost: "${mask}" is not a host[:port] value (letters, digits, ".", "-", ":" and the placeholder \${PORT}).`,
    );
  }
}

/** The policy in E2B's wire spelling, for `GET /sandboxes/{id}` (never the proxy password). */
export function describeEgress(policy: EgressPolicy): {
  allowOut: string[];
  denyOut: string[];
  rules: Record<string, EgressRule[]>;
  egressProxy?: { address: string; username?: string };
} {
  const spell = (destination: EgressDestination): string => (destination.kind === 'cidr' ? destination.cidr : destination.pattern);
  return {
    allowOut: policy.allowOut.map(spell),
    denyOut: policy.denyOut.map(spell),
    rules: Object.fromEntries(Object.entries(policy.rules).map(([domain, list]) => [domain, list.map((rule) => ({ ...rule }))])),
    ...(policy.egressProxy
      ? { egressProxy: { address: policy.egressProxy.address, ...(policy.egressProxy.username === undefined ? {} : { username: policy.egressProxy.username }) } }
      : {}),
  };
}

function dedupe<T extends EgressDestination>(destinations: T[]): T[] {
  const seen = new Set<string>();
  return destinations.filter((destination) => {
    const key = destination.kind === 'cidr' ? destination.cidr : destination.pattern;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
