import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ENVD_PORT, HEADERS } from '@codebox/protocol';
import type { SandboxRecord } from '../sandboxes/sandbox-backend.js';
import { FailureBudget } from './failure-budget.js';
import { isWellFormedSignature, parseSignedFileRequest, signatureMatches, SIGNATURE_MESSAGES } from './file-url-signature.js';
import { parseRequestTarget } from './request-target.js';

export interface SignedFileUrlsOptions {
  /**
   * Running sandboxes a signature may belong to: the tenant's when the caller sent an API key,
   * else every sandbox on the runner (a signed URL is meant to work without one).
   */
  candidates: (tenant: string | undefined) => Iterable<SandboxRecord>;
  /** The tenant of a presented `X-API-KEY`; throws (an error with a message) for a key the runner does not accept. */
  tenantOf: (apiKey: string) => string;
  /** Hands the request to the gateway once the sandbox is known. */
  forward: (req: IncomingMessage, res: ServerResponse) => void;
  logger: Logger;
  /** Forged signatures one client address may send: `burst`, then `perSecond`. */
  failures?: { burst: number; perSecond: number };
  now?: () => number;
}

/**
 * `uploadUrl()` / `downloadUrl()` URLs: `{E2B_SANDBOX_URL}/files?path=…&signature=…` with no
 * sandbox id (E2B names the sandbox in the host name, which E2B_SANDBOX_URL replaces). The
 * sandbox is the one whose access token produces the signature; only secure sandboxes have one.
 *
 * There is no index to look that up in (the signature hashes the secret token with the request's
 * own path, user and expiry), so each candidate's signature is computed: one SHA-256 per running
 * sandbox (measured: 0.4 ms at 1 000 sandboxes, docs/internals.md). That cost is bounded three
 * ways: a signature not of the SDK's exact shape is refused before any hashing, an API key
 * narrows the candidates to its tenant, and a client whose signatures keep matching nothing is
 * slowed by a failure budget. Once found, the request goes through the gateway as if it had named
 * the sandbox, so the signature, its operation and its expiry are checked there as for any
 * request (and expiry is answered as envd does: `401 signature is already expired`).
 */
export class SignedFileUrls {
  readonly #options: SignedFileUrlsOptions;
  readonly #failures: FailureBudget;
  readonly #logger: Logger;

  constructor(options: SignedFileUrlsOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'signed-file-urls' });
    const failures = options.failures ?? { burst: 20, perSecond: 5 };
    this.#failures = new FailureBudget({ ...failures, ...(options.now ? { now: options.now } : {}) });
  }

  /** Whether this runner request is a `/files` URL without a sandbox id (this class answers those). */
  static claims(req: IncomingMessage): boolean {
    if (req.headers[HEADERS.sandboxId] !== undefined) return false;
    const target = parseRequestTarget(req.url);
    return target.ok && target.pathname === '/files';
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const target = parseRequestTarget(req.url);
    if (!target.ok) return send(res, 400, target.reason);
    const parsed = parseSignedFileRequest(req.method ?? 'GET', target.searchParams);
    if (!parsed.ok) {
      const hint = parsed.message === SIGNATURE_MESSAGES.missing
        ? `${SIGNATURE_MESSAGES.missing}: this /files URL names no sandbox; send E2b-Sandbox-Id, or use a signed URL (uploadUrl()/downloadUrl() of a secure sandbox)`
        : parsed.message;
      return send(res, parsed.status, hint);
    }
    let tenant: string | undefined;
    const apiKey = req.headers[HEADERS.apiKey];
    if (typeof apiKey === 'string') {
      try {
        tenant = this.#options.tenantOf(apiKey);
      } catch (error) {
        return send(res, 401, error instanceof Error ? error.message : 'Invalid API key.');
      }
    }
    const client = req.socket.remoteAddress ?? 'unknown';
    if (!this.#failures.allows(client)) {
      return send(res, 429, 'Too many signed URLs from this address matched no sandbox; wait a few seconds before trying again.');
    }
    const { request } = parsed;
    const sandbox = isWellFormedSignature(request.signature) ? this.#find(tenant, (token) => signatureMatches(request, token)) : undefined;
    if (!sandbox) {
      this.#failures.charge(client);
      this.#logger.debug({ client, tenant }, 'signed /files URL matched no sandbox');
      return send(res, 401, SIGNATURE_MESSAGES.invalid);
    }
    // Routed as if the caller had named the sandbox; whatever port it asked for, /files is envd's.
    req.headers[HEADERS.sandboxId] = sandbox.sandboxId;
    req.headers[HEADERS.sandboxPort] = String(ENVD_PORT);
    this.#options.forward(req, res);
  }

  #find(tenant: string | undefined, matches: (token: string) => boolean): SandboxRecord | undefined {
    for (const record of this.#options.candidates(tenant)) {
      if (record.status === 'running' && record.accessToken !== undefined && matches(record.accessToken)) return record;
    }
    return undefined;
  }
}

function send(res: ServerResponse, status: number, message: string): void {
  const payload = JSON.stringify({ code: status, message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
