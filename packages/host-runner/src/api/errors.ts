/** Missing or unknown `X-API-KEY`. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

/** A part of the E2B API Codebox deliberately does not implement (e.g. pausing). */
export class NotSupportedError extends Error {
  override readonly name = 'NotSupportedError';
}
