import { InvalidArgumentError } from '../errors.js';
import { usernameParam } from '../envd/envd-user.js';

/** Options of `sandbox.uploadUrl()` / `downloadUrl()` (the `e2b` names). */
export interface SandboxUrlOpts {
  /** User the transfer acts as; the sandbox's default user when omitted. */
  user?: string;
  /** Seconds from now until the URL stops working; without it, it works while the sandbox lives. Secure sandboxes only. */
  useSignatureExpiration?: number;
}

export interface FileUrlInit {
  sandboxUrl: string;
  envdVersion: string;
  /** Undefined for a `secure: false` sandbox: its URLs carry no signature. */
  envdAccessToken: string | undefined;
  path: string;
  operation: 'read' | 'write';
  opts: SandboxUrlOpts | undefined;
  now?: () => number;
}

/**
 * `{sandboxUrl}/files?path=…&username=…&signature=…&signature_expiration=…`, as `e2b` builds
 * it: the URL names no sandbox, the runner finds it by the signature
 * (`v1_` + unpadded base64 sha256 of `path:operation:user:token[:expiration]`).
 */
export async function fileUrl(init: FileUrlInit): Promise<string> {
  const opts = init.opts ?? {};
  if (!init.envdAccessToken && opts.useSignatureExpiration !== undefined) {
    throw new InvalidArgumentError('Signature expiration can be used only when sandbox is created as secured.');
  }
  const user = usernameParam(init.envdVersion, opts.user);
  const url = new URL('/files', init.sandboxUrl);
  if (user) url.searchParams.set('username', user);
  if (init.path) url.searchParams.set('path', init.path);
  if (!init.envdAccessToken) return url.toString();
  const expiration = opts.useSignatureExpiration === undefined ? undefined : Math.floor((init.now ?? Date.now)() / 1000) + opts.useSignatureExpiration;
  url.searchParams.set('signature', await fileUrlSignature(init.path, init.operation, user ?? '', init.envdAccessToken, expiration));
  // As `e2b`: an expiration that works out to 0 is signed but left out of the URL (it cannot happen after 1970).
  if (expiration) url.searchParams.set('signature_expiration', String(expiration));
  return url.toString();
}

/** The signing rule of `e2b`'s `getSignature`, on Web Crypto so it runs wherever the client does. */
export async function fileUrlSignature(path: string, operation: 'read' | 'write', user: string, token: string, expiration?: number): Promise<string> {
  const raw = expiration === undefined ? `${path}:${operation}:${user}:${token}` : `${path}:${operation}:${user}:${token}:${expiration}`;
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(raw)));
  return `v1_${Buffer.from(digest).toString('base64').replace(/=+$/, '')}`;
}
