import type { AuthRequest } from "./types.js";

/**
 * What the origin guard tells the built-in strategies about a hop, beyond the
 * {@link AuthRequest} fields of the SPEC.
 */
export interface GuardedAuthRequest extends AuthRequest {
  /** The URL of the request the caller made (the first hop). */
  readonly originalUrl?: URL;
  /**
   * `true` while every hop so far stayed on the original request's origin (scheme, host
   * and port). Credentials that belong to that origin go only on such hops.
   */
  readonly sameOrigin?: boolean;
}

/** Whether a hop may carry credentials that belong to the original request's origin. */
export function isOriginalOrigin(request: AuthRequest): boolean {
  return (request as GuardedAuthRequest).sameOrigin ?? request.redirectedFrom === undefined;
}
