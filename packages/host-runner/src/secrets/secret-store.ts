import { randomUUID } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { SecretNameTakenError, SecretNotFoundError } from './errors.js';

/** What every read surface shows of a secret: never its value. */
export interface SecretInfo {
  readonly secretId: string;
  /** Canonical (lower-case) name. */
  readonly name: string;
  /** 1 at create; every update appends a version. */
  readonly currentVersion: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const SECRET_ID_PREFIX = 'sec_';

const storedSecretSchema = z.strictObject({
  secretId: z.string(),
  name: z.string(),
  currentVersion: z.number().int().min(1),
  metadata: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The current version's value. Earlier versions are not kept: nothing reads them, and a value at rest is exposure. */
  value: z.string(),
});
type StoredSecret = z.output<typeof storedSecretSchema>;

const secretsFileSchema = z.strictObject({
  format: z.literal(1),
  /** Tenant id (api/api-keys.ts) → its secrets. */
  tenants: z.record(z.string(), z.array(storedSecretSchema)),
});

/** The secrets file is unreadable or not in the expected shape; the runner refuses to start rather than lose secrets. */
export class SecretsFileError extends Error {
  override readonly name = 'SecretsFileError';
}

const SECRETS_FILE = 'secrets.json';

function infoOf(stored: StoredSecret): SecretInfo {
  return {
    secretId: stored.secretId,
    name: stored.name,
    currentVersion: stored.currentVersion,
    metadata: { ...stored.metadata },
    createdAt: new Date(stored.createdAt),
    updatedAt: new Date(stored.updatedAt),
  };
}

/**
 * The tenants' secrets (E2B's secrets API), kept by the runner in `<dataDir>/secrets.json`:
 * mode 0600 (only root, the runner's user, reads it), replaced atomically (write a temporary
 * file, fsync, rename) so a crash leaves the old or the new file, never half of one. Values are
 * plain text at rest, protected by the file's permissions (docs/security.md). Values leave this
 * class only through `resolve`, which the egress interception calls per request.
 */
export class SecretStore {
  readonly #path: string;
  readonly #tenants: Map<string, StoredSecret[]>;
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, tenants: Map<string, StoredSecret[]>) {
    this.#path = path;
    this.#tenants = tenants;
  }

  /** A store for a data dir that has no secrets file yet (tests, fresh directories): nothing to read. */
  static empty(dataDir: string): SecretStore {
    return new SecretStore(join(dataDir, SECRETS_FILE), new Map());
  }

  static async open(dataDir: string): Promise<SecretStore> {
    const path = join(dataDir, SECRETS_FILE);
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new SecretsFileError(`Cannot read the secrets file ${path}: ${error.message}.`);
    });
    const tenants = new Map<string, StoredSecret[]>();
    if (text !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        // Not the parser's message: it may quote the file's text, values included.
        throw new SecretsFileError(`The secrets file ${path} is not valid JSON; restore it from a backup or move it away (all secrets are then lost).`);
      }
      const parsed = secretsFileSchema.safeParse(json);
      if (!parsed.success) throw new SecretsFileError(`The secrets file ${path} is not in the expected format; restore it from a backup or move it away.`);
      for (const [tenant, secrets] of Object.entries(parsed.data.tenants)) tenants.set(tenant, secrets);
    }
    return new SecretStore(path, tenants);
  }

  /** Oldest first (creation time, id breaks ties): the order pages are cut in. */
  list(tenant: string): SecretInfo[] {
    return (this.#tenants.get(tenant) ?? [])
      .map(infoOf)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.secretId < b.secretId ? -1 : a.secretId > b.secretId ? 1 : 0));
  }

  /** By `sec_…` id or by name (any case: names are canonical lower-case). */
  get(tenant: string, selector: string): SecretInfo {
    return infoOf(this.#find(tenant, selector));
  }

  async create(tenant: string, input: { name: string; value: string; metadata: Record<string, string> }): Promise<SecretInfo> {
    const name = input.name.toLowerCase();
    const secrets = this.#tenants.get(tenant) ?? [];
    if (secrets.some((secret) => secret.name === name)) throw new SecretNameTakenError(name);
    const now = new Date().toISOString();
    const stored: StoredSecret = { secretId: `${SECRET_ID_PREFIX}${randomUUID()}`, name, currentVersion: 1, metadata: { ...input.metadata }, createdAt: now, updatedAt: now, value: input.value };
    await this.#change(tenant, [...secrets, stored]);
    return infoOf(stored);
  }

  /** Appends a version (the new value becomes current); metadata, when given, replaces the stored metadata. */
  async update(tenant: string, selector: string, input: { value: string; metadata?: Record<string, string> }): Promise<SecretInfo> {
    const current = this.#find(tenant, selector);
    const next: StoredSecret = {
      ...current,
      value: input.value,
      currentVersion: current.currentVersion + 1,
      metadata: input.metadata === undefined ? current.metadata : { ...input.metadata },
      updatedAt: new Date().toISOString(),
    };
    await this.#change(tenant, (this.#tenants.get(tenant) ?? []).map((secret) => (secret === current ? next : secret)));
    return infoOf(next);
  }

  async delete(tenant: string, selector: string): Promise<void> {
    const stored = this.#find(tenant, selector);
    await this.#change(tenant, (this.#tenants.get(tenant) ?? []).filter((secret) => secret !== stored));
  }

  /** The current value of the tenant's secret `name`, for the egress interception; undefined when there is none. */
  resolve(tenant: string, name: string): string | undefined {
    const canonical = name.toLowerCase();
    return this.#tenants.get(tenant)?.find((secret) => secret.name === canonical)?.value;
  }

  #find(tenant: string, selector: string): StoredSecret {
    const secrets = this.#tenants.get(tenant) ?? [];
    const found = selector.startsWith(SECRET_ID_PREFIX)
      ? secrets.find((secret) => secret.secretId === selector)
      : secrets.find((secret) => secret.name === selector.toLowerCase());
    if (!found) throw new SecretNotFoundError(selector);
    return found;
  }

  /** Applies a tenant's new list and writes the file; a failed write puts the old list back, so memory never holds what the disk lost. */
  async #change(tenant: string, secrets: StoredSecret[]): Promise<void> {
    const before = this.#tenants.get(tenant);
    this.#tenants.set(tenant, secrets);
    try {
      await this.#persist();
    } catch (error) {
      if (this.#tenants.get(tenant) === secrets) {
        if (before === undefined) this.#tenants.delete(tenant);
        else this.#tenants.set(tenant, before);
      }
      throw error;
    }
  }

  /** Writes are chained, so the file always ends as the last change left the map. */
  #persist(): Promise<void> {
    const snapshot = JSON.stringify({ format: 1, tenants: Object.fromEntries(this.#tenants) });
    const write = this.#writing.then(() => this.#write(snapshot));
    this.#writing = write.catch(() => undefined);
    return write;
  }

  async #write(text: string): Promise<void> {
    const tmp = `${this.#path}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      // The mode of `open` applies only when it creates the file; a leftover tmp keeps its own.
      await handle.chmod(0o600);
      await handle.writeFile(text);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    await rename(tmp, this.#path);
  }
}
