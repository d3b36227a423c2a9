import { randomBytes } from 'node:crypto';
import { InvalidVolumeRequestError } from './errors.js';

/** E2B's `NewVolume.name` pattern; the length cap is Codebox's (names end up in labels and logs). */
export const VOLUME_NAME_PATTERN = /^[a-zA-Z0-9_-]+$/;
export const VOLUME_NAME_MAX_LENGTH = 128;

/** Volume ids are path components under `<dataDir>/volumes/`: never trust their shape. */
export const VOLUME_ID_PATTERN = /^vol-[0-9a-f]{24}$/;

export function assertVolumeName(name: unknown): string {
  if (typeof name !== 'string' || !VOLUME_NAME_PATTERN.test(name) || name.length > VOLUME_NAME_MAX_LENGTH) {
    throw new InvalidVolumeRequestError(
      `Volume name ${JSON.stringify(name)} is invalid: use 1 to ${VOLUME_NAME_MAX_LENGTH} letters, digits, "_" or "-" (E2B's ^[a-zA-Z0-9_-]+$).`,
    );
  }
  return name;
}

export function isVolumeId(id: string): boolean {
  return VOLUME_ID_PATTERN.test(id);
}

export function generateVolumeId(): string {
  return `vol-${randomBytes(12).toString('hex')}`;
}

/** The content API's bearer token: 32 random bytes, recognisable in logs by its prefix. */
export function generateVolumeToken(): string {
  return `cbv_${randomBytes(32).toString('base64url')}`;
}
