import { constants } from 'node:os';
import { loadNativeAddon } from './native-addon.js';

/** The calls of @napi-rs/xattr the agent uses. They act on a path and do not follow a final symlink. */
export interface XattrBinding {
  listAttributesSync(path: string): string[];
  getAttributeSync(path: string, name: string): Buffer | null;
  setAttributeSync(path: string, name: string, value: Uint8Array | string): void;
  removeAttributeSync(path: string, name: string): void;
}

let loaded: XattrBinding | null | undefined;

/**
 * The xattr add-on, or undefined where it cannot load (a template without glibc, a platform it
 * has no build for). In a sandbox it is /opt/codebox/xattr.node beside the bundled agent; run
 * from the source tree (tests), the @napi-rs/xattr package itself.
 */
export function xattrBinding(): XattrBinding | undefined {
  if (loaded === undefined) loaded = loadNativeAddon<XattrBinding>(new URL('./xattr.node', import.meta.url), ['@napi-rs/xattr']) ?? null;
  return loaded ?? undefined;
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, value]) => [value, name]));

/**
 * The add-on throws plain errors whose message ends in `(os error N)`; this gives them the errno
 * `code` (ENOENT, EACCES, ENOTSUP, ...) the agent maps everywhere else, so callers need no second table.
 */
export function withErrnoCode(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const match = /\(os error (\d+)\)\s*$/.exec(error.message);
  const name = match ? ERRNO_NAMES.get(Number(match[1])) : undefined;
  if (name) Object.assign(error, { code: name, errno: -Number(match?.[1]) });
  return error;
}
