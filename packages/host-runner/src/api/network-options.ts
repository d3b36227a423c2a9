import { InvalidRequestError } from '../sandboxes/errors.js';

/** What a create request's `network` object means for Codebox. */
export interface NetworkChoice {
  /** `false` when the request asked for no internet (via `denyOut: ['0.0.0.0/0']`); otherwise unset. */
  allowInternetAccess?: boolean;
  /** `false`: every sandbox port but envd's demands the traffic access token. */
  allowPublicTraffic?: boolean;
}

/** Denying every IPv4 destination with no allow list is E2B's spelling of `allow_internet_access: false`. */
const DENY_ALL = '0.0.0.0/0';

/**
 * Reads E2B's `network` create option. Only `allowPublicTraffic` and a bare
 * `denyOut: ['0.0.0.0/0']` are implemented; every other field is refused by name rather than
 * dropped, because a dropped `denyOut` or `allowOut` would silently give the sandbox the open
 * internet its creator meant to deny.
 */
export function parseNetworkOptions(network: Record<string, unknown> | null | undefined): NetworkChoice {
  if (network === null || network === undefined) return {};
  const choice: NetworkChoice = {};
  for (const [field, value] of Object.entries(network)) {
    if (value === undefined || value === null) continue;
    if (field === 'allowPublicTraffic') {
      if (typeof value !== 'boolean') throw new InvalidRequestError('network.allowPublicTraffic must be a boolean.');
      choice.allowPublicTraffic = value;
    } else if (field === 'denyOut') {
      if (!Array.isArray(value) || value.length !== 1 || value[0] !== DENY_ALL) {
        throw new InvalidRequestError(
          `network.denyOut is not supported by Codebox except as ["${DENY_ALL}"] (no internet at all, like allow_internet_access: false); the sandbox egress filter cannot deny single destinations.`,
        );
      }
      choice.allowInternetAccess = false;
    } else {
      throw new InvalidRequestError(`network.${field} is not supported by Codebox; remove it (Codebox implements network.allowPublicTraffic and network.denyOut: ["${DENY_ALL}"]).`);
    }
  }
  return choice;
}
