/**
 * Every call passes the gate before its handler runs: the caller is identified from its token,
 * checked against the role the method needs, and rejections are logged. Shared by both adapters.
 */
import type { DescMethod } from '@bufbuild/protobuf';
import { type Authenticator, AuthError, Authenticator as Auth, type Principal } from './auth.js';
import { roleFor } from './roles.js';

/** Identifies and authorizes the caller of `method`, or throws an `AuthError`. */
export type CallGate = (method: DescMethod, authorization: string | undefined) => Principal;

/** A gate over `authenticator`; `onReject` hears every rejected call. */
export function createGate(authenticator: Authenticator, onReject: (method: string, reason: string) => void): CallGate {
  return (method, authorization) => {
    const name = `${method.parent.name}.${method.localName}`;
    try {
      const principal = authenticator.identify(authorization);
      Auth.require(principal, roleFor(method.parent.name, method.localName), method.name);
      return principal;
    } catch (error) {
      if (error instanceof AuthError) onReject(name, error.message);
      throw error;
    }
  };
}
