import { sandboxStateSchema, type SandboxState } from '@codebox/protocol';
import type { SandboxRecord } from '../sandboxes/sandbox-backend.js';
import { InvalidRequestError } from '../sandboxes/errors.js';

export const MAX_LIST_LIMIT = 100;

export interface ListQuery {
  metadata: Record<string, string>;
  states: SandboxState[];
  template: string | undefined;
  startedAfter: Date | undefined;
  order: 'asc' | 'desc';
  limit: number;
  /** Position after which the page starts, decoded from `nextToken`. */
  after: Cursor | undefined;
}

interface Cursor {
  startedAt: number;
  sandboxId: string;
}

/**
 * Parses `GET /v2/sandboxes` parameters as the SDK sends them: `state` form style
 * (`running,paused`), and `metadata` as one parameter holding an encoded query string whose
 * keys and values are URI-encoded once more (`metadata=k%3Dv%26k2%3Dv2`).
 */
export function parseListQuery(params: URLSearchParams): ListQuery {
  const limitText = params.get('limit');
  const limit = limitText === null ? MAX_LIST_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new InvalidRequestError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got "${limitText}".`);
  }
  const order = params.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new InvalidRequestError(`order must be "asc" or "desc", got "${order}".`);
  const startedAfterText = params.get('startedAfter');
  const startedAfter = startedAfterText === null ? undefined : new Date(startedAfterText);
  if (startedAfter && Number.isNaN(startedAfter.getTime())) {
    throw new InvalidRequestError(`startedAfter must be an RFC 3339 timestamp, got "${startedAfterText}".`);
  }
  const nextToken = params.get('nextToken');
  return {
    metadata: parseMetadataFilter(params.get('metadata')),
    states: parseStates(params.getAll('state')),
    template: params.get('template') || undefined,
    startedAfter,
    order,
    limit,
    after: nextToken ? decodeCursor(nextToken) : undefined,
  };
}

export function parseMetadataFilter(value: string | null): Record<string, string> {
  if (!value) return {};
  const filter: Record<string, string> = {};
  try {
    for (const [key, entry] of new URLSearchParams(value)) filter[decodeURIComponent(key)] = decodeURIComponent(entry);
  } catch {
    throw new InvalidRequestError(`metadata filter "${value}" is not a valid encoded query string (expected e.g. key%3Dvalue%26key2%3Dvalue2).`);
  }
  return filter;
}

function parseStates(values: string[]): SandboxState[] {
  const names = values.flatMap((value) => value.split(',')).filter((name) => name !== '');
  if (names.length === 0) return ['running', 'paused'];
  return names.map((name) => {
    const parsed = sandboxStateSchema.safeParse(name);
    if (!parsed.success) throw new InvalidRequestError(`state must be "running" or "paused", got "${name}".`);
    return parsed.data;
  });
}

/** Whether a sandbox passes the filters (not the paging) of a list query. */
export function matchesListQuery(record: SandboxRecord, query: Pick<ListQuery, 'metadata' | 'states' | 'template' | 'startedAfter'>): boolean {
  // Every live Codebox sandbox is running: Codebox does not pause.
  if (!query.states.includes('running')) return false;
  if (query.template !== undefined && record.templateId !== query.template) return false;
  // Inclusive, as E2B's (its test lists `startedAfter: info.startedAt` and expects that sandbox).
  if (query.startedAfter && record.startedAt.getTime() < query.startedAfter.getTime()) return false;
  return Object.entries(query.metadata).every(([key, value]) => record.metadata[key] === value);
}

export interface ListPage {
  items: SandboxRecord[];
  nextToken: string | undefined;
}

/** Filters, sorts by start time (id breaks ties) and cuts one page after the cursor. */
export function listPage(records: readonly SandboxRecord[], query: ListQuery): ListPage {
  const direction = query.order === 'asc' ? 1 : -1;
  const compare = (a: Cursor, b: Cursor): number =>
    direction * (a.startedAt - b.startedAt || (a.sandboxId < b.sandboxId ? -1 : a.sandboxId > b.sandboxId ? 1 : 0));
  const sorted = records
    .filter((record) => matchesListQuery(record, query))
    .map((record) => ({ record, cursor: { startedAt: record.startedAt.getTime(), sandboxId: record.sandboxId } }))
    .sort((a, b) => compare(a.cursor, b.cursor));
  const after = query.after;
  const remaining = after ? sorted.filter((entry) => compare(entry.cursor, after) > 0) : sorted;
  const page = remaining.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map((entry) => entry.record),
    nextToken: remaining.length > page.length && last ? encodeCursor(last.cursor) : undefined,
  };
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.startedAt}.${cursor.sandboxId}`).toString('base64url');
}

function decodeCursor(token: string): Cursor {
  const match = /^(\d+)\.([a-z0-9]+)$/.exec(Buffer.from(token, 'base64url').toString());
  if (!match?.[1] || !match[2]) {
    throw new InvalidRequestError(`nextToken "${token}" was not issued by this runner; pass the X-Next-Token value of the previous page.`);
  }
  return { startedAt: Number(match[1]), sandboxId: match[2] };
}
