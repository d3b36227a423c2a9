import { z } from 'zod';
import { ApiClient, ApiResponseError, parseBody } from '../api/api-client.js';
import { toResourceError } from '../api/resource-error.js';
import { ConnectionConfig, type ConnectionOpts } from '../connection-config.js';
import { InvalidArgumentError, SecretError, SecretNotFoundError } from '../errors.js';
import { Paginator } from '../paginator.js';
import { callOpts } from '../sandbox/sandbox-api.js';

/** A secret's metadata; its value is write-only and never comes back (`e2b`'s `SecretInfo`). */
export interface SecretInfo {
  secretId: string;
  /** Unique per API key, lower-cased by the runner. */
  name: string;
  /** The version readers get (1 for a new secret, +1 per update). */
  version: number;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

export type SecretApiOpts = Pick<ConnectionOpts, 'apiKey' | 'apiUrl' | 'headers' | 'debug' | 'requestTimeoutMs' | 'signal'>;

export interface SecretWriteOpts extends SecretApiOpts {
  /** Customer metadata stored with the secret (replaces the stored metadata on update). */
  metadata?: Record<string, string>;
}

export interface SecretListOpts extends Omit<SecretApiOpts, 'signal'> {
  /** @default 100 */
  limit?: number;
  nextToken?: string;
}

const secretSchema = z.object({
  secretID: z.string(),
  name: z.string(),
  currentVersion: z.number().int(),
  metadata: z.record(z.string(), z.string()).nullish(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const secretListSchema = z.array(secretSchema);

function toSecretInfo(body: z.infer<typeof secretSchema>): SecretInfo {
  return {
    secretId: body.secretID,
    name: body.name,
    version: body.currentVersion,
    metadata: body.metadata ?? {},
    createdAt: new Date(body.createdAt),
    updatedAt: new Date(body.updatedAt),
  };
}

const secretPath = (secret: string): string => `/secrets/${encodeURIComponent(secret)}`;

function toSecretError(err: unknown, onNotFound?: () => Error): unknown {
  return toResourceError(err, (message, options) => new SecretError(message, options), onNotFound);
}

/** `{`, `}` and control characters would end or corrupt the `${e2b.secrets.<name>}` placeholder. */
const UNUSABLE_NAME = /[{}\p{Cc}]/u;

/** Pages of `Secret.list()`; see {@link Paginator}. */
export class SecretPaginator extends Paginator<SecretInfo, SecretApiOpts> {
  constructor(private readonly opts: SecretListOpts = {}) {
    super(opts.limit, opts.nextToken);
  }

  async nextItems(opts?: SecretApiOpts): Promise<SecretInfo[]> {
    if (!this.hasNext) throw new SecretError('No more secrets to list: check `hasNext` before calling nextItems().');
    const merged: SecretApiOpts = { ...this.opts, ...opts };
    try {
      const res = await new ApiClient(new ConnectionConfig(merged)).send({
        method: 'GET',
        path: '/secrets',
        query: { limit: this.limit, nextToken: this.nextToken },
        ...callOpts(merged),
      });
      this.updatePagination(res.headers);
      return parseBody(secretListSchema, res, 'GET /secrets').map(toSecretInfo);
    } catch (err) {
      throw toSecretError(err);
    }
  }
}

/**
 * Secrets kept by the runner (`e2b`'s `Secret`): values are write-only and reach the outside
 * world only through a sandbox's egress `rules`, whose header values name them with
 * {@link Secret.fill}; the runner injects the value on the way out, so code in the sandbox never
 * sees it.
 */
export class Secret {
  /** Creates a secret and its first version. */
  static async create(name: string, value: string, opts: SecretWriteOpts = {}): Promise<SecretInfo> {
    try {
      const body = { name, value, ...(opts.metadata ? { metadata: opts.metadata } : {}) };
      const res = await new ApiClient(new ConnectionConfig(opts)).send({ method: 'POST', path: '/secrets', body, ...callOpts(opts) });
      return toSecretInfo(parseBody(secretSchema, res, 'POST /secrets'));
    } catch (err) {
      throw toSecretError(err);
    }
  }

  /** Stores `value` as the secret's new version (by id or name). */
  static async update(secret: string, value: string, opts: SecretWriteOpts = {}): Promise<SecretInfo> {
    try {
      const body = { value, ...(opts.metadata ? { metadata: opts.metadata } : {}) };
      const res = await new ApiClient(new ConnectionConfig(opts)).send({ method: 'POST', path: secretPath(secret), body, ...callOpts(opts) });
      return toSecretInfo(parseBody(secretSchema, res, 'POST /secrets/{secretID}'));
    } catch (err) {
      throw toSecretError(err, () => new SecretNotFoundError(`Secret ${secret} not found`));
    }
  }

  static async getInfo(secret: string, opts: SecretApiOpts = {}): Promise<SecretInfo> {
    try {
      const res = await new ApiClient(new ConnectionConfig(opts)).send({ method: 'GET', path: secretPath(secret), ...callOpts(opts) });
      return toSecretInfo(parseBody(secretSchema, res, 'GET /secrets/{secretID}'));
    } catch (err) {
      throw toSecretError(err, () => new SecretNotFoundError(`Secret ${secret} not found`));
    }
  }

  static list(opts?: SecretListOpts): SecretPaginator {
    return new SecretPaginator(opts);
  }

  static async exists(secret: string, opts?: SecretApiOpts): Promise<boolean> {
    try {
      await Secret.getInfo(secret, opts);
      return true;
    } catch (err) {
      if (err instanceof SecretNotFoundError) return false;
      throw err;
    }
  }

  /** Deletes the secret and every version; `false` when there was no such secret. */
  static async destroy(secret: string, opts: SecretApiOpts = {}): Promise<boolean> {
    try {
      await new ApiClient(new ConnectionConfig(opts)).send({ method: 'DELETE', path: secretPath(secret), ...callOpts(opts) });
      return true;
    } catch (err) {
      if (err instanceof ApiResponseError && err.status === 404) return false;
      throw toSecretError(err);
    }
  }

  /** The placeholder a rule's header value uses for the secret: `${e2b.secrets.<name>}` (no network call). */
  static fill(secret: string): string {
    if (secret.length === 0 || UNUSABLE_NAME.test(secret)) {
      throw new InvalidArgumentError(`secret name ${JSON.stringify(secret)} cannot be used in a placeholder: it is empty or holds '{', '}' or a control character.`);
    }
    return `\${e2b.secrets.${secret}}`;
  }
}
