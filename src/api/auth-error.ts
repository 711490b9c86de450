/**
 * The error of a rejected call, in its own module so that what maps errors to status codes (and
 * the CLI's client with it) does not load the tokens file parser of auth.ts.
 */

/** A rejected call: the adapters map these to UNAUTHENTICATED and PERMISSION_DENIED. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly kind: 'unauthenticated' | 'permission_denied',
    message: string,
  ) {
    super(message);
  }
}
