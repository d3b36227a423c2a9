/**
 * The request-target of a gateway request, parsed once so that the access check and the agent
 * see the same path.
 *
 * Only origin-form (`/path?query`) is accepted: the SDKs send nothing else, absolute-form
 * (`http://other-host/x`) and authority-form would make the path depend on which parser reads
 * it. A path that normalises to `//…` is refused for the same reason: the agent resolves
 * `req.url` against a base URL, and `//host/health` would read there as host `host`, path
 * `/health`, while the gateway had checked `//host/health`.
 */
export type RequestTarget = { ok: true; pathname: string; search: string; searchParams: URLSearchParams } | { ok: false; reason: string };

export function parseRequestTarget(raw: string | undefined): RequestTarget {
  const target = raw ?? '';
  if (!target.startsWith('/')) {
    return { ok: false, reason: 'The request-target must be a path starting with "/" (origin-form); absolute URLs and other forms are not accepted.' };
  }
  let url: URL;
  try {
    // Concatenated, not resolved against a base: a leading "//" must stay part of the path.
    url = new URL(`http://sandbox${target}`);
  } catch {
    return { ok: false, reason: 'The request-target is not a valid URL path.' };
  }
  if (url.host !== 'sandbox' || url.pathname.startsWith('//')) {
    return { ok: false, reason: 'The request path must not start with "//" (or "/\\").' };
  }
  return { ok: true, pathname: url.pathname, search: url.search, searchParams: url.searchParams };
}
