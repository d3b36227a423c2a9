import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomically } from './atomic-file.js';

/**
 * Who a warm-pool sandbox was handed to (`<sandbox dir>/owner.json`). Docker labels cannot change
 * and a pooled container's were set before anyone owned it, so what a cold sandbox's labels say
 * (tenant, metadata, tokens, start) lives here for a handed-over one, as `expires-at` and
 * `network.json` do for what changes later. Mode 0600: it holds the sandbox's access tokens.
 */
export interface OwnerFile {
  tenant: string;
  metadata: Record<string, string>;
  accessToken?: string;
  trafficAccessToken?: string;
  startedAt: Date;
}

const schema = z.strictObject({
  tenant: z.string(),
  metadata: z.record(z.string(), z.string()),
  accessToken: z.string().optional(),
  trafficAccessToken: z.string().optional(),
  startedAt: z.number().int().nonnegative(),
});

/** undefined when absent (a pooled container nobody owns yet) or unreadable (then it is no one's: never served). */
export async function readOwnerFile(path: string): Promise<OwnerFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(safeJson(text));
  if (!parsed.success) return undefined;
  const { accessToken, trafficAccessToken, ...rest } = parsed.data;
  return {
    ...rest,
    startedAt: new Date(rest.startedAt),
    ...(accessToken === undefined ? {} : { accessToken }),
    ...(trafficAccessToken === undefined ? {} : { trafficAccessToken }),
  };
}

/** Written via rename: a crash leaves no owner or the whole one. */
export async function writeOwnerFile(path: string, owner: OwnerFile): Promise<void> {
  await writeFileAtomically(path, `${JSON.stringify({ ...owner, startedAt: owner.startedAt.getTime() })}\n`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
