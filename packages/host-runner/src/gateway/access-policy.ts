import { createHash, timingSafeEqual } from 'node:crypto';
import { CODE_INTERPRETER_PORT, ENVD_PORT, isUserPort } from '@codebox/protocol';
import { isExpired, isWellFormedSignature, parseSignedFileRequest, signatureMatches, SIGNATURE_MESSAGES } from './file-url-signature.js';
import { parseRequestTarget } from './request-target.js';

/**
 * Which requests must prove they hold a secure sandbox's access token, and how.
 *
 * Matches what the official SDKs send (e2b 2.51, @e2b/code-interpreter 2.8):
 * - envd (port 49983): `X-Access-Token` on every call; `GET /health` is an unauthenticated
 *   liveness probe (the SDK probes it after a dropped connection).
 * - `/files` download/upload URLs (`uploadUrl()`/`downloadUrl()`) carry a `signature` query
 *   parameter instead (file-url-signature.ts).
 * - code interpreter (port 49999): the SDK sends the token on `/execute` only; `/contexts`
 *   calls and `/health` carry none. Those cannot run code, so they pass without it.
 */
export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

export interface AccessRequest {
  method: string;
  /** Path and query as received (`req.url`). */
  url: string;
  port: number;
  accessTokenHeader: string | undefined;
  now: number;
}

export function checkAccess(request: AccessRequest, sandboxToken: string | undefined): AccessDecision {
  // The access token guards the agent's own ports; a user's server on any other port is open as on
  // E2B (its host test fetches getHost(8000) of a secure sandbox with no token), or closed by the traffic token.
  if (!sandboxToken || isUserPort(request.port)) return { allowed: true };
  // Never throws: a target no parser agrees on is refused, not an exception in the listener.
  const url = parseRequestTarget(request.url);
  if (!url.ok) return { allowed: false, reason: url.reason };
  if (isExempt(request.method, url.pathname, request.port)) return { allowed: true };
  if (request.accessTokenHeader !== undefined) {
    return safeEqual(request.accessTokenHeader, sandboxToken)
      ? { allowed: true }
      : { allowed: false, reason: 'The X-Access-Token header does not match this sandbox\'s access token (envdAccessToken).' };
  }
  if (url.pathname === '/files' && url.searchParams.has('signature')) return checkSignature(request.method, url.searchParams, sandboxToken, request.now);
  return { allowed: false, reason: 'This sandbox is secure: send its envdAccessToken in the X-Access-Token header.' };
}

function isExempt(method: string, pathname: string, port: number): boolean {
  if (method === 'GET' && pathname === '/health') return true;
  return port === CODE_INTERPRETER_PORT && (pathname === '/contexts' || pathname.startsWith('/contexts/'));
}

function checkSignature(method: string, params: URLSearchParams, token: string, now: number): AccessDecision {
  const parsed = parseSignedFileRequest(method, params);
  if (!parsed.ok) return { allowed: false, reason: parsed.message };
  const { request } = parsed;
  // envd's order: the signature first, then its expiry.
  if (!isWellFormedSignature(request.signature) || !signatureMatches(request, token)) return { allowed: false, reason: SIGNATURE_MESSAGES.invalid };
  if (isExpired(request, now)) return { allowed: false, reason: SIGNATURE_MESSAGES.expired };
  return { allowed: true };
}

/**
 * E2B's `allowPublicTraffic: false`: every sandbox port except envd's (49983, which has its own
 * access token) demands `E2B-Traffic-Access-Token`, the code interpreter's 49999 included
 * (`/contexts` too: the code-interpreter SDK sends this header on every call when it has one).
 */
export function checkTrafficAccess(port: number, trafficTokenHeader: string | undefined, sandboxTrafficToken: string | undefined): AccessDecision {
  if (!sandboxTrafficToken || port === ENVD_PORT) return { allowed: true };
  if (trafficTokenHeader === undefined) {
    return { allowed: false, reason: `This sandbox does not allow public traffic: send its trafficAccessToken in the E2B-Traffic-Access-Token header to reach port ${port}.` };
  }
  return safeEqual(trafficTokenHeader, sandboxTrafficToken)
    ? { allowed: true }
    : { allowed: false, reason: 'The E2B-Traffic-Access-Token header does not match this sandbox\'s trafficAccessToken.' };
}

/** Constant-time comparison; hashing first makes the lengths equal without leaking the real length. */
function safeEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
