/** Header values as Node's `IncomingHttpHeaders` holds them (without depending on Node's types here). */
export type HeaderMap = Readonly<Record<string, string | string[] | undefined>>;

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1). */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The headers a proxy passes on: all but the hop-by-hop ones, those the `Connection` header
 * names, and `drop` (lower-case names, e.g. credentials meant for the proxy itself).
 */
export function endToEndHeaders(headers: HeaderMap, drop: ReadonlySet<string> = new Set()): Record<string, string | string[]> {
  const connection = headers.connection;
  const listed = new Set(
    (Array.isArray(connection) ? connection.join(',') : (connection ?? ''))
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name) || drop.has(name) || listed.has(name)) continue;
    kept[name] = value;
  }
  return kept;
}
