/**
 * Every call passes the gate before its handler runs: the caller is identified from its token,
 * checked against the role the method needs, and rejections are logged. Shared by both adapters.
 */
import type { DescMethod } from '@bufbuild/protobuf';
import { type Authenticator, AuthError, Authenticator as Auth, type Principal } from './auth.js';
import { roleFor } from './roles.js';

/**
 * Identifies and authorizes the caller of `method`, or throws an `AuthError`. `peer` is the
 * client's address as the transport saw it (`127.0.0.1:53122`), for the audit trail.
 */
export type CallGate = (method: DescMethod, authorization: string | undefined, peer: string) => Principal;

/** A rejected call, as the audit trail records it. */
export interface Rejection {
  /** `Service.Method`. */
  method: string;
  /** Why: no token, an unknown token, a role too low. */
  reason: string;
  /** The client's address. */
  peer: string;
}

/** A gate over `authenticator`; `onReject` hears every rejected call. */
export function createGate(authenticator: Authenticator, onReject: (rejection: Rejection) => void): CallGate {
  return (method, authorization, peer) => {
    const name = `${method.parent.name}.${method.localName}`;
    try {
      const principal = authenticator.identify(authorization);
      Auth.require(principal, roleFor(method.parent.name, method.localName), method.name);
      return principal;
    } catch (error) {
      if (error instanceof AuthError) onReject({ method: name, reason: error.message, peer });
      throw error;
    }
  };
}

/**
 * Checks a request's token before anything of its body is read (an unauthenticated client must
 * not make the daemon inflate or parse a body): the rejection, audited like the gate's, or
 * `undefined` when the caller is known. Roles are checked later, by the gate, per method.
 */
export function createPreAuth(authenticator: Authenticator, onReject: (rejection: Rejection) => void): (path: string, authorization: string | undefined, peer: string) => Rejection | undefined {
  return (path, authorization, peer) => {
    try {
      authenticator.identify(authorization);
      return undefined;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      const [service = '', method = ''] = path.split('/').slice(1);
      const name = `${service.split('.').pop() ?? ''}.${method.charAt(0).toLowerCase()}${method.slice(1)}`;
      const rejection = { method: name, reason: error.message, peer };
      onReject(rejection);
      return rejection;
    }
  };
}
