import { onTestFailed } from 'vitest';

/** What a failure message says about the sandbox a test ran in, so its container and logs can be found. */
export interface SandboxLabel {
  readonly sandboxId: string;
  readonly template: string;
  /** The OCI runtime it ran under (runc, runsc), if known. */
  readonly runtime?: string;
}

/** One sandbox owned by the running test; `await using` kills it when the test's scope ends. */
export interface OwnSandbox<T> extends AsyncDisposable {
  readonly sandbox: T;
  readonly label: SandboxLabel;
}

export interface OwnSandboxOptions<T> {
  create(): Promise<T>;
  label(sandbox: T): SandboxLabel;
  kill(sandbox: T): Promise<void>;
}

/** "sandbox 0123… (template code-interpreter-v1, runtime runc)". */
export function describeSandbox(label: SandboxLabel): string {
  return `sandbox ${label.sandboxId} (template ${label.template}${label.runtime ? `, runtime ${label.runtime}` : ''})`;
}

/**
 * Prints which sandbox the running test used if that test fails. Call inside a test: a shared
 * sandbox would make one test's damage look like the next test's failure, so tests that abuse a
 * sandbox each get their own and name it when they fail.
 */
export function nameSandboxOnFailure(label: SandboxLabel): void {
  onTestFailed(() => {
    console.error(`the failed test ran in ${describeSandbox(label)}`);
  });
}

/**
 * Creates a sandbox for the running test alone: named on failure, killed at the end of the
 * `await using` scope (a failing kill fails the test: a sandbox that cannot be removed is a finding).
 */
export async function ownSandbox<T>(options: OwnSandboxOptions<T>): Promise<OwnSandbox<T>> {
  const sandbox = await options.create();
  const label = options.label(sandbox);
  nameSandboxOnFailure(label);
  return {
    sandbox,
    label,
    [Symbol.asyncDispose]: () => options.kill(sandbox),
  };
}
