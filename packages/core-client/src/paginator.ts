import { HEADERS } from '@codebox/protocol';

/**
 * Cursor pagination as `e2b` exposes it: call `nextItems()` while `hasNext`; the cursor comes
 * from the `X-Next-Token` response header.
 */
export abstract class Paginator<T, O> {
  private _hasNext = true;
  private _nextToken: string | undefined;

  protected constructor(
    protected readonly limit: number | undefined,
    nextToken: string | undefined,
  ) {
    this._nextToken = nextToken;
  }

  /** Whether another page may exist. */
  get hasNext(): boolean {
    return this._hasNext;
  }

  /** The cursor for the next page; pass it as `nextToken` to resume listing elsewhere. */
  get nextToken(): string | undefined {
    return this._nextToken;
  }

  protected updatePagination(headers: Headers): void {
    this._nextToken = headers.get(HEADERS.nextToken) || undefined;
    this._hasNext = this._nextToken !== undefined;
  }

  /** The next page. Throws when there is none: check `hasNext` first. */
  abstract nextItems(opts?: O): Promise<T[]>;
}
