import { HEADERS, errorBodySchema, listedSandboxSchema, type ListedSandbox } from '@codebox/protocol';
import { z } from 'zod';

/** A control-plane call that failed, with the runner's own message. */
export class RunnerRequestError extends Error {
  override readonly name = 'RunnerRequestError';
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

export interface RunnerClientOptions {
  apiUrl: string;
  apiKey: string;
}

/** The few control-plane calls the `codebox sandbox` commands make against a running runner. */
export class RunnerClient {
  constructor(private readonly options: RunnerClientOptions) {}

  /** Every running sandbox of this API key, following `X-Next-Token` pages. */
  async listSandboxes(): Promise<ListedSandbox[]> {
    const all: ListedSandbox[] = [];
    let nextToken: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '100', ...(nextToken ? { nextToken } : {}) });
      const response = await this.#call('GET', `/v2/sandboxes?${query}`);
      all.push(...z.array(listedSandboxSchema).parse(await response.json()));
      nextToken = response.headers.get(HEADERS.nextToken);
    } while (nextToken);
    return all;
  }

  async killSandbox(sandboxId: string): Promise<void> {
    await this.#call('DELETE', `/sandboxes/${encodeURIComponent(sandboxId)}`);
  }

  async #call(method: string, path: string): Promise<Response> {
    const url = new URL(path, this.options.apiUrl);
    let response: Response;
    try {
      response = await fetch(url, { method, headers: { [HEADERS.apiKey]: this.options.apiKey } });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new RunnerRequestError(`Cannot reach the runner at ${this.options.apiUrl} (${cause}); is \`codebox serve\` running there?`, undefined);
    }
    if (response.ok) return response;
    const body = errorBodySchema.safeParse(await response.json().catch(() => undefined));
    const detail = body.success ? body.data.message : `${response.status} ${response.statusText}`;
    throw new RunnerRequestError(detail, response.status);
  }
}
