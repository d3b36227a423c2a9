import { hash, timingSafeEqual } from 'node:crypto';

/**
 * Signed `/files` URLs, as the SDKs make them (`uploadUrl()` / `downloadUrl()`, e2b
 * `src/sandbox/signature.ts`, `e2b/sandbox/signature.py`) and envd checks them
 * (`internal/api/auth.go`): `signature = "v1_" + base64(sha256("<path>:<read|write>:<user>:<token>[:<exp>]"))`
 * without padding, `user` empty for the default user, `exp` a unix time in seconds.
 *
 * A signature grants exactly one operation (read = GET, write = POST) on one path string as
 * one user, until its expiration if it has one (none = as long as the sandbox lives).
 */

export type FileOperation = 'read' | 'write';

/** The parts of a signed URL that the signature covers, read once from its query. */
export interface SignedFileRequest {
  operation: FileOperation;
  path: string;
  user: string;
  /** `signature_expiration` as sent (the signed text); undefined when the URL has none. */
  expiration: string | undefined;
  signature: string;
}

/** envd's answers, word for word (the SDKs' tests compare the body). */
export const SIGNATURE_MESSAGES = {
  missing: 'missing signature query parameter',
  invalid: 'invalid signature',
  expired: 'signature is already expired',
} as const;

export type ParsedSignedRequest = { ok: true; request: SignedFileRequest } | { ok: false; status: 401 | 405; message: string };

export function parseSignedFileRequest(method: string, params: URLSearchParams): ParsedSignedRequest {
  const operation = method === 'GET' ? 'read' : method === 'POST' ? 'write' : undefined;
  if (!operation) return { ok: false, status: 405, message: `Signed /files URLs allow GET (download) and POST (upload) only, not ${method}.` };
  const signature = params.get('signature');
  if (signature === null) return { ok: false, status: 401, message: SIGNATURE_MESSAGES.missing };
  return {
    ok: true,
    request: { operation, path: params.get('path') ?? '', user: params.get('username') ?? '', expiration: params.get('signature_expiration') ?? undefined, signature },
  };
}

/** The signature the SDK computes for `request` with `token`. */
export function fileUrlSignature(request: Omit<SignedFileRequest, 'signature'>, token: string): string {
  const parts = [request.path, request.operation, request.user, token];
  if (request.expiration !== undefined) parts.push(request.expiration);
  return `v1_${hash('sha256', parts.join(':'), 'base64').replace(/=+$/, '')}`;
}

/** `v1_` and an unpadded base64 sha256: every signature the SDK makes has this shape and length. */
const SIGNATURE_SHAPE = /^v1_[A-Za-z0-9+/]{43}$/;

/** Whether a presented signature could have come from the SDK at all (checked before any hashing). */
export function isWellFormedSignature(signature: string): boolean {
  return SIGNATURE_SHAPE.test(signature);
}

/**
 * Whether `token` produced `request.signature`, compared in constant time. Both sides have the
 * fixed signature length (the caller checks the shape first), so the comparison's timing says
 * nothing about how much of a guess was right.
 */
export function signatureMatches(request: SignedFileRequest, token: string): boolean {
  const expected = Buffer.from(fileUrlSignature(request, token));
  const presented = Buffer.from(request.signature);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

/**
 * Checked after the signature matched (as envd does), so an expired URL is told apart from a
 * forged one only for whoever holds a real signature. A value that is not an integer cannot have
 * been made by the SDK; it is refused as expired would be, without saying more.
 */
export function isExpired(request: SignedFileRequest, nowMs: number): boolean {
  if (request.expiration === undefined) return false;
  if (!/^-?[0-9]{1,15}$/.test(request.expiration)) return true;
  // Whole seconds, as envd compares `exp < time.Now().Unix()`.
  return Number(request.expiration) < Math.floor(nowMs / 1000);
}
