import { listedSandboxSchema } from '@codebox/protocol';
import { z } from 'zod';
import { ApiClient, parseBody, toApiError } from '../api/api-client.js';
import { ConnectionConfig } from '../connection-config.js';
import { SandboxError } from '../errors.js';
import { Paginator } from '../paginator.js';
import { callOpts, type SandboxApiOpts } from './sandbox-api.js';
import { toSandboxInfo, type SandboxInfo, type SandboxState } from './sandbox-info.js';

/** Options of `Sandbox.list()`. */
export interface SandboxListOpts extends Omit<SandboxApiOpts, 'signal'> {
  /** Filters, combined with AND. */
  query?: {
    metadata?: Record<string, string>;
    /** @default ['running', 'paused'] */
    state?: SandboxState[];
    /** Only sandboxes started at or after this time. */
    startedAfter?: Date;
    /** Only sandboxes of this template. */
    template?: string;
  };
  /**
   * Sandboxes per page.
   * @default 100
   */
  limit?: number;
  /** Cursor from an earlier page's `nextToken`. */
  nextToken?: string;
}

const listBodySchema = z.array(listedSandboxSchema);

/** Pages of `Sandbox.list()`; see {@link Paginator}. */
export class SandboxPaginator extends Paginator<SandboxInfo, SandboxApiOpts> {
  private readonly opts: SandboxListOpts;

  constructor(opts: SandboxListOpts = {}) {
    super(opts.limit, opts.nextToken);
    this.opts = opts;
  }

  async nextItems(opts?: SandboxApiOpts): Promise<SandboxInfo[]> {
    if (!this.hasNext) throw new SandboxError('No more sandboxes to list: check `hasNext` before calling nextItems().');
    const merged: SandboxApiOpts = { ...this.opts, ...definedOnly(opts) };
    const api = new ApiClient(new ConnectionConfig(merged));
    const query: Record<string, string | number | undefined> = {
      metadata: encodeMetadata(this.opts.query?.metadata),
      // Form style, not exploded (`state=running,paused`), as the E2B API expects.
      state: this.opts.query?.state?.join(','),
      startedAfter: this.opts.query?.startedAfter?.toISOString(),
      template: this.opts.query?.template,
      limit: this.limit,
      nextToken: this.nextToken,
    };
    try {
      const res = await api.send({ method: 'GET', path: '/v2/sandboxes', query, ...callOpts(merged) });
      this.updatePagination(res.headers);
      return parseBody(listBodySchema, res, 'GET /v2/sandboxes').map(toSandboxInfo);
    } catch (err) {
      throw toApiError(err);
    }
  }
}

/**
 * The `metadata` query value: `k=v&k2=v2` with keys and values percent-encoded first, so `=`
 * and `&` inside them survive (the encoding `e2b` uses).
 */
function encodeMetadata(metadata: Record<string, string> | undefined): string | undefined {
  if (!metadata || Object.keys(metadata).length === 0) return undefined;
  const pairs = Object.entries(metadata).map(([k, v]): [string, string] => [encodeURIComponent(k), encodeURIComponent(v)]);
  return new URLSearchParams(pairs).toString();
}

function definedOnly<T extends object>(opts: T | undefined): Partial<T> {
  if (!opts) return {};
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as Partial<T>;
}
