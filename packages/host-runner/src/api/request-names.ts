import { InvalidRequestError, SandboxNotFoundError } from '../sandboxes/errors.js';
import { isSandboxId } from '../sandboxes/sandbox-ids.js';
import { isTemplateReference, TEMPLATE_NAME_MAX_LENGTH } from '../templates/template-names.js';

/** `templateID` at the edge: a 400 naming the field, before the name can reach dockerd (see `isTemplateReference`). */
export function assertTemplateId(value: string): void {
  if (isTemplateReference(value)) return;
  const hint = value.includes(':') ? ' Template tags (name:tag) are not supported by Codebox.' : '';
  throw new InvalidRequestError(
    `templateID ${JSON.stringify(value.slice(0, 80))} is not a template name: use lowercase letters, digits and single ".", "_" or "-" separators (at most ${TEMPLATE_NAME_MAX_LENGTH} characters).${hint}`,
  );
}

/**
 * A sandbox id from a route parameter; anything not shaped like an id is refused before any
 * lookup. Such a sandbox cannot exist, so the answer is E2B's 404 (the SDKs rely on it:
 * `Sandbox.kill('nonexistingsandbox')` resolves to false), never a lookup or a path.
 */
export function assertSandboxIdParam(value: string | undefined): string {
  const id = value ?? '';
  if (!isSandboxId(id)) throw new SandboxNotFoundError(id.slice(0, 80));
  return id;
}

/**
 * What execve can carry: a name is non-empty without `=` or NUL, a value has no NUL. Stricter
 * shell-style rules are not imposed (E2B does not impose them either).
 */
const ENV_NAME = /^[^=\0]+$/;

export function assertEnvVars(envVars: Record<string, string>, field = 'envVars'): void {
  for (const [name, value] of Object.entries(envVars)) {
    if (!ENV_NAME.test(name)) throw new InvalidRequestError(`${field}: ${JSON.stringify(name.slice(0, 80))} is not an environment variable name (non-empty, without "=" or NUL).`);
    if (value.includes('\0')) throw new InvalidRequestError(`${field}.${name}: values must not contain NUL characters.`);
  }
}

/** Metadata is stored in a Docker label; NUL cannot be stored there. */
export function assertMetadata(metadata: Record<string, string>): void {
  for (const [key, value] of Object.entries(metadata)) {
    if (key.includes('\0') || value.includes('\0')) throw new InvalidRequestError(`metadata: keys and values must not contain NUL characters (key ${JSON.stringify(key.slice(0, 80))}).`);
  }
}
