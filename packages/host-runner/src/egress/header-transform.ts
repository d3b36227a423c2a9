import type { HeaderTransform } from './egress-policy.js';

/**
 * A transform's value names a secret the sandbox's owner does not have (or a placeholder kind
 * Codebox does not resolve). The request is answered 502 with this message: it names the
 * placeholder, never a value.
 */
export class UnresolvedPlaceholderError extends Error {
  override readonly name = 'UnresolvedPlaceholderError';
  constructor(readonly placeholder: string, readonly header: string, reason: string) {
    super(`The egress header transform for "${header}" uses ${placeholder}, ${reason}; the request was not forwarded.`);
  }
}

/** `${e2b.<path>}`, as the SDKs' `Secret.fill` writes it: the name runs to the first `}`. */
const PLACEHOLDER = /\$\{e2b\.([^}]*)\}/g;
const SECRET_PATH = /^secrets\.(.+)$/;

/** Substitutes the `${e2b.secrets.<name>}` placeholders of one header value. */
export function resolvePlaceholders(header: string, value: string, resolveSecret: (name: string) => string | undefined): string {
  return value.replace(PLACEHOLDER, (placeholder, path: string) => {
    const secretName = SECRET_PATH.exec(path)?.[1];
    if (secretName === undefined) throw new UnresolvedPlaceholderError(placeholder, header, 'a placeholder kind Codebox does not resolve (only ${e2b.secrets.<name>})');
    const resolved = resolveSecret(secretName);
    if (resolved === undefined) throw new UnresolvedPlaceholderError(placeholder, header, 'but the sandbox\'s owner has no secret of that name (Secret.list() shows them)');
    return resolved;
  });
}

/**
 * A request's raw headers (`[name, value, name, value, …]`, as Node gives them) with the
 * transforms applied in order: each transform header replaces every header of the same name
 * (case-insensitive) and is added once, its placeholders resolved now, so a rotated secret
 * takes effect on the next request.
 */
export function applyHeaderTransforms(rawHeaders: readonly string[], transforms: readonly HeaderTransform[], resolveSecret: (name: string) => string | undefined): string[] {
  const injected = new Map<string, [name: string, value: string]>();
  for (const transform of transforms) {
    for (const [name, value] of Object.entries(transform.headers)) injected.set(name.toLowerCase(), [name, resolvePlaceholders(name, value, resolveSecret)]);
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (!injected.has(name.toLowerCase())) out.push(name, rawHeaders[i + 1] as string);
  }
  for (const [name, value] of injected.values()) out.push(name, value);
  return out;
}
