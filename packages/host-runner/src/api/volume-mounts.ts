import { InvalidRequestError } from '../sandboxes/errors.js';

/** Persistent volumes at create (E2B's `volumeMounts`). Not available yet: any mount is refused by name. */
export function parseVolumeMounts(volumeMounts: readonly unknown[] | null | undefined): void {
  if (volumeMounts && volumeMounts.length > 0) throw new InvalidRequestError('volumeMounts: persistent volumes are not available yet in this build; create the sandbox without volumeMounts.');
}
