import { readFile } from 'node:fs/promises';
import { writeFileAtomically } from './atomic-file.js';
import { z } from 'zod';
import type { SandboxNetworkSettings } from '../egress/egress-policy.js';
import { DENY_ALL_CIDR } from '../egress/parse-network.js';

const destination = z.union([z.strictObject({ kind: z.literal('cidr'), cidr: z.string() }), z.strictObject({ kind: z.literal('domain'), pattern: z.string() })]);
const fileSchema = z.strictObject({
  egress: z.strictObject({
    allowOut: z.array(destination),
    denyOut: z.array(z.strictObject({ kind: z.literal('cidr'), cidr: z.string() })),
    rules: z.record(z.string(), z.array(z.strictObject({ transform: z.strictObject({ headers: z.record(z.string(), z.string()) }).optional() }))),
    egressProxy: z.strictObject({ address: z.string(), username: z.string().optional(), password: z.string().optional() }).optional(),
  }),
  allowPublicTraffic: z.boolean(),
  maskRequestHost: z.string().optional(),
});

/** What a sandbox dir holds when its network file is unreadable: deny everything (fail closed). */
const UNREADABLE: SandboxNetworkSettings = {
  egress: { allowOut: [], denyOut: [{ kind: 'cidr', cidr: DENY_ALL_CIDR }], rules: {} },
  allowPublicTraffic: false,
};

/**
 * `<sandbox dir>/network.json`; undefined when absent (a sandbox of a runner before network
 * policies: open, as it was created). A damaged file reads as deny-all: a policy the runner
 * cannot read must not turn into an open sandbox.
 */
export async function readNetworkFile(path: string): Promise<SandboxNetworkSettings | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return UNREADABLE;
  }
  try {
    const parsed = fileSchema.parse(JSON.parse(text));
    return {
      egress: {
        allowOut: parsed.egress.allowOut,
        denyOut: parsed.egress.denyOut,
        rules: parsed.egress.rules,
        ...(parsed.egress.egressProxy ? { egressProxy: stripUndefined(parsed.egress.egressProxy) } : {}),
      },
      allowPublicTraffic: parsed.allowPublicTraffic,
      ...(parsed.maskRequestHost === undefined ? {} : { maskRequestHost: parsed.maskRequestHost }),
    };
  } catch {
    return UNREADABLE;
  }
}

/** Written via rename (like `expires-at`): a crash leaves the old policy or the new, never half of one. Mode 0600: it may hold proxy credentials. */
export async function writeNetworkFile(path: string, settings: SandboxNetworkSettings): Promise<void> {
  await writeFileAtomically(path, `${JSON.stringify(settings)}\n`);
}

function stripUndefined(proxy: { address: string; username?: string | undefined; password?: string | undefined }): { address: string; username?: string; password?: string } {
  return {
    address: proxy.address,
    ...(proxy.username === undefined ? {} : { username: proxy.username }),
    ...(proxy.password === undefined ? {} : { password: proxy.password }),
  };
}
