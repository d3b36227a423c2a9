/**
 * The domain the runner reports in create/connect/info when the operator set none:
 * `localhost:<port>`. Every name under `localhost` is loopback (RFC 6761; browsers and curl
 * resolve `8000-<id>.localhost` so without DNS), so `getHost(8000)` works on the runner's machine
 * out of the box. Elsewhere set `domain` to a name with wildcard DNS pointing at the runner.
 */
export function defaultSandboxDomain(port: number): string {
  return `localhost:${port}`;
}

/**
 * The default with TLS on: `codebox.localhost:<tlsPort>`. Still loopback by RFC 6761, but three
 * labels, so a `*.codebox.localhost` certificate can name every sandbox host (TLS clients refuse
 * `*.localhost`, a wildcard directly over a one-label name).
 */
export function defaultTlsSandboxDomain(tlsPort: number): string {
  return `codebox.localhost:${tlsPort}`;
}

/** A domain setting: lower-case DNS labels, optionally `:port` (as the SDKs append it to `<port>-<id>.`). */
export const SANDBOX_DOMAIN_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[1-9][0-9]{0,4})?$/;
