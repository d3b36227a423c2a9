/** Typed failures of the Docker backend. `name` is stable so callers can branch on it. */
import { BackendUnavailableError, InsufficientStorageError } from '../sandboxes/errors.js';

export class AgentHealthTimeoutError extends Error {
  override readonly name = 'AgentHealthTimeoutError';
  constructor(
    readonly sandboxId: string,
    readonly timeoutMs: number,
    readonly lastError: string,
    readonly containerLogs: string,
  ) {
    super(
      `The agent of sandbox ${sandboxId} did not answer GET /health within ${timeoutMs} ms (last error: ${lastError}). ` +
        `Check that the template image contains a working /opt/codebox/agent.mjs. Last container log lines:\n${containerLogs || '(none)'}`,
    );
  }
}

export class SandboxExitedDuringStartError extends Error {
  override readonly name = 'SandboxExitedDuringStartError';
  constructor(
    readonly sandboxId: string,
    readonly exitCode: number,
    readonly oomKilled: boolean,
    readonly containerLogs: string,
  ) {
    super(
      `Sandbox ${sandboxId} exited (code ${exitCode}${oomKilled ? ', OOM-killed' : ''}) before its agent became healthy; ` +
        `check the template image and the memory limit. Last container log lines:\n${containerLogs || '(none)'}`,
    );
  }
}

/** A warm-pool container's agent refused or missed its hand-over; the pool drops it and the create takes another or goes cold. */
export class AgentInitFailedError extends Error {
  override readonly name = 'AgentInitFailedError';
  constructor(
    readonly sandboxId: string,
    readonly reason: string,
  ) {
    super(`The agent of pooled sandbox ${sandboxId} did not take its hand-over (${reason}); the pool removes it.`);
  }
}

/** A warm-pool container found stopped at hand-over; the pool drops it and the create takes another or goes cold. */
export class PooledSandboxUnusableError extends Error {
  override readonly name = 'PooledSandboxUnusableError';
  constructor(
    readonly sandboxId: string,
    readonly reason: string,
  ) {
    super(`Pooled sandbox ${sandboxId} cannot be handed over (${reason}); the pool removes it.`);
  }
}

export class SandboxNetworkNotReadyError extends Error {
  override readonly name = 'SandboxNetworkNotReadyError';
  constructor(readonly networkName: string) {
    super(
      `Sandbox network ${networkName} is not prepared: call DockerBackend.start() before creating sandboxes with internet access.`,
    );
  }
}

export class InvalidSandboxSpecError extends Error {
  override readonly name = 'InvalidSandboxSpecError';
  constructor(reason: string) {
    super(`Invalid sandbox spec: ${reason}`);
  }
}

export class ImageBuildError extends Error {
  override readonly name = 'ImageBuildError';
  constructor(
    readonly image: string,
    reason: string,
    readonly outputTail: string,
  ) {
    super(`Building image ${image} failed: ${reason}. Last build output:\n${outputTail || '(none)'}`);
  }
}

export class SandboxNetworkConflictError extends Error {
  override readonly name = 'SandboxNetworkConflictError';
  constructor(readonly networkName: string, reason: string) {
    super(`Docker network ${networkName} exists but ${reason}; remove it (docker network rm ${networkName}) and restart the runner.`);
  }
}

/** dockerode rejects with the Engine API status code; 404 means the object does not exist. */
export function isDockerNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'statusCode' in err && (err as { statusCode: unknown }).statusCode === 404;
}

export class SandboxAlreadyExistsError extends Error {
  override readonly name = 'SandboxAlreadyExistsError';
  constructor(readonly sandboxId: string, readonly path: string) {
    super(`Sandbox ${sandboxId} already has files at ${path}; use a new sandbox id or destroy the old sandbox first.`);
  }
}

/** A sandbox asks for an isolation level whose Docker runtime dockerd does not know. */
export class RuntimeNotRegisteredError extends Error {
  override readonly name = 'RuntimeNotRegisteredError';
  constructor(
    readonly runtime: string,
    readonly missing: readonly string[],
    readonly registered: readonly string[],
  ) {
    super(
      `The ${runtime} runtime needs the Docker runtime(s) ${missing.join(', ')}, which dockerd does not know ` +
        `(registered: ${registered.join(', ') || 'none'}). Install gVisor and register them with scripts/register-runsc.sh ` +
        `(scripts/ensure-docker.sh does both as root), or run with --runtime runc.`,
    );
  }
}

export class SandboxUidsExhaustedError extends Error {
  override readonly name = 'SandboxUidsExhaustedError';
  constructor(
    readonly first: number,
    readonly count: number,
  ) {
    super(
      `No free host uid for a new sandbox in ${first}..${first + count - 1}: every one tried is held by a live sandbox. ` +
        'Widen sandboxUids in the runner config or end some sandboxes.',
    );
  }
}

export class TemplateAccountsError extends Error {
  override readonly name = 'TemplateAccountsError';
  constructor(
    readonly image: string,
    detail: string,
  ) {
    super(`Cannot make the sandbox's /etc/passwd from image ${image}: ${detail}`);
  }
}

/** dockerd's socket refuses or drops connections (stopped, restarting, or a proxy in between is down). */
export class DockerUnreachableError extends BackendUnavailableError {
  override readonly name = 'DockerUnreachableError';
  constructor(
    readonly endpoint: string,
    readonly code: string,
    cause?: unknown,
  ) {
    super(
      `Docker is unreachable at ${endpoint} (${code}); sandboxes cannot be created or removed until it answers again. Running sandboxes keep working.`,
      { cause },
    );
  }
}

/**
 * dockerd (or something in front of it) accepted the call but did not answer within the runner's
 * Docker deadline (`dockerTimeoutSeconds`). The call may or may not have taken effect; a half-made
 * sandbox is reaped like any failed create (docs/internals.md, "Crashes and faults").
 */
export class DockerTimeoutError extends BackendUnavailableError {
  override readonly name = 'DockerTimeoutError';
  constructor(
    readonly endpoint: string,
    /** `METHOD /path` of the call, without its query. */
    readonly call: string,
    readonly timeoutMs: number,
    cause?: unknown,
  ) {
    super(
      `Docker at ${endpoint} did not answer ${call} within ${timeoutMs / 1000} s; it accepts connections but is hung or overloaded. ` +
        'Sandboxes cannot be created or removed until it answers again. Running sandboxes keep working.',
      { cause },
    );
  }
}

/** The data directory's filesystem has no room for another sandbox's files and home disk. */
export class DataDirFullError extends InsufficientStorageError {
  override readonly name = 'DataDirFullError';
  constructor(
    readonly dataDir: string,
    readonly availableBytes: number | undefined,
    readonly neededBytes: number | undefined,
    cause?: unknown,
  ) {
    const mib = (bytes: number): string => `${Math.floor(bytes / (1024 * 1024))} MiB`;
    super(
      `The runner's data directory ${dataDir} is out of space` +
        (availableBytes !== undefined && neededBytes !== undefined ? ` (${mib(availableBytes)} free, a new sandbox needs ${mib(neededBytes)})` : '') +
        '; no sandbox was created. Free space on that filesystem (or end sandboxes) and retry.',
      { cause },
    );
  }
}

/** Root mode was asked for on a host or sandbox where it cannot work (storage driver, no disk images). */
export class RootModeUnavailableError extends Error {
  override readonly name = 'RootModeUnavailableError';
  constructor(readonly reason: string) {
    super(`Root access is unavailable for this sandbox: ${reason}. Turn it off (CODEBOX_ROOT_ACCESS=false) or fix the host.`);
  }
}
