import { parsePort } from '@codebox/protocol';
import { SANDBOX_ID_LENGTH, isSandboxId } from '../sandboxes/sandbox-ids.js';

/**
 * Routing by host name, the form the SDKs' `getHost(port)` returns: `<port>-<sandboxId>.<domain>`
 * (E2B's grammar, one label before the domain). The domain is what the runner reports in
 * create/connect/info (`RunnerConfig['domain']`, default `localhost:<port>`); names under
 * `localhost` resolve to loopback in browsers and curl, so this works on one machine unchanged.
 *
 * - `<domain>` itself and `api.<domain>` are the runner (the control plane, or the gateway by headers):
 *   with `E2B_DOMAIN=<domain>` behind a TLS proxy, the SDKs' `https://api.<domain>` lands there.
 * - `<port>-<id>.<domain>`: sandbox `<id>`, port `<port>`.
 * - Anything else under the domain, and a sandbox-shaped name under another domain, is refused
 *   with a reason; other hosts (an IP, the machine's name) are the runner.
 */
export type HostRoute =
  | { readonly kind: 'runner' }
  | { readonly kind: 'sandbox'; readonly sandboxId: string; readonly port: number }
  | { readonly kind: 'refused'; readonly status: 400 | 421; readonly message: string };

const RUNNER: HostRoute = { kind: 'runner' };

/** The host name of a `host[:port]` domain setting, lower case. */
export function domainHostname(domain: string): string {
  return splitHostPort(domain).hostname.toLowerCase();
}

export function routeByHost(hostHeader: string | undefined, domain: string): HostRoute {
  if (!hostHeader || hostHeader.startsWith('[')) return RUNNER;
  const { hostname: raw } = splitHostPort(hostHeader);
  // A fully qualified name may end in "."; DNS names compare case-insensitively, ids do not (below).
  const hostname = raw.endsWith('.') ? raw.slice(0, -1) : raw;
  const lower = hostname.toLowerCase();
  const base = domainHostname(domain);
  if (lower === base || lower === `api.${base}`) return RUNNER;
  if (!lower.endsWith(`.${base}`)) {
    const first = hostname.split('.')[0] ?? '';
    return /^[0-9]+-[A-Za-z0-9]+$/.test(first) && hostname.includes('.')
      ? refused(421, `Host "${clip(hostHeader)}" is not under this runner's sandbox domain "${domain}"; use <port>-<sandboxId>.${domain}.`)
      : RUNNER;
  }
  const label = hostname.slice(0, -(base.length + 1));
  const grammar = `sandbox hosts are <port>-<sandboxId>.${domain}`;
  if (label.includes('.')) return refused(400, `Host "${clip(hostHeader)}" has more than one label before "${domain}"; ${grammar}.`);
  const dash = label.indexOf('-');
  if (dash < 0) return refused(400, `Host "${clip(hostHeader)}" names no port; ${grammar}.`);
  const portText = label.slice(0, dash);
  const sandboxId = label.slice(dash + 1);
  const port = parsePort(portText);
  if (port === undefined) {
    return refused(400, `"${clip(portText)}" in Host is not a port: write 1-65535 in decimal, without leading zeros; ${grammar}.`);
  }
  if (sandboxId.includes('-')) {
    return refused(400, `Host "${clip(hostHeader)}" has more than one "-" before "${domain}" (E2B's <port>-<id>-<clientId> form is not used here); ${grammar}.`);
  }
  if (sandboxId !== sandboxId.toLowerCase()) return refused(400, `Sandbox ids are lower case; "${clip(sandboxId)}" in Host is not.`);
  if (!isSandboxId(sandboxId)) {
    return refused(400, `"${clip(sandboxId)}" in Host is not a sandbox id (${SANDBOX_ID_LENGTH} characters of a-z and 0-9); ${grammar}.`);
  }
  return { kind: 'sandbox', sandboxId, port };
}

function refused(status: 400 | 421, message: string): HostRoute {
  return { kind: 'refused', status, message };
}

/** `name[:port]` → name; a name without a port is returned whole. */
function splitHostPort(value: string): { hostname: string } {
  const colon = value.lastIndexOf(':');
  return { hostname: colon >= 0 && /^[0-9]*$/.test(value.slice(colon + 1)) ? value.slice(0, colon) : value };
}

/** Caller text in a message, bounded. */
function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
