import { injectable } from "../lib/di.js";
import { envFlag } from "../lib/env.js";
import type { DeserializeOptions } from "../scitokens/deserialize.js";
import type { ScitokenDiscovery } from "../scitokens/discovery-cache.js";
import { BasicAuthStrategy, withHiddenPassword } from "../strategies/basic.js";
import { NetrcBasicStrategy } from "../strategies/netrc-basic.js";
import { isAuthStrategy } from "../strategies/plain-object.js";
import { ScitokenStrategy } from "../strategies/scitoken.js";
import type { AuthStrategy } from "../strategies/types.js";
import { type X509CredentialPath, X509Strategy } from "../strategies/x509.js";
import { findUsableX509Credentials } from "../x509/discovery.js";
import { discoverX509ForSession } from "../x509/session-discovery.js";
import { type AuthOptions, type BasicAuthInput, validateAuthOptions } from "./options.js";

/** The `auth` input as given, with a basic password hidden from inspect and JSON. */
function explicitAuthOf(auth: AuthOptions["auth"]): AuthPlan["explicitAuth"] {
  if (auth === undefined || auth === null) return null;
  if (isAuthStrategy(auth)) return auth;
  const credentials = auth as { username?: unknown; password?: unknown };
  if (
    Array.isArray(auth) ||
    (typeof credentials.username === "string" && typeof credentials.password === "string")
  ) {
    return withHiddenPassword(auth as BasicAuthInput);
  }
  return auth;
}

/**
 * The credentials chosen for a session or a request, and how to apply them.
 *
 * @category Strategies and DI
 */
export interface AuthPlan {
  /** Strategies applied to every hop, in order: X.509, then the header strategy, then extras. */
  readonly strategies: readonly AuthStrategy[];
  /** The X.509 credential presented, or `null`. */
  readonly cert: X509CredentialPath | null;
  /** The header strategy: token, explicit/netrc basic auth or a custom strategy; or `null`. */
  readonly strategy: AuthStrategy | null;
  /** The `auth` input as the caller gave it, when explicit. */
  readonly explicitAuth: BasicAuthInput | AuthStrategy | null;
  /** Fail a request to which no strategy added a credential. */
  readonly failIfNoauth: boolean;
  /** `true` when this plan used X.509 discovery (and found nothing), so requests may search again. */
  readonly certDiscoverable: boolean;
  /** `true` when the certificate, or its absence, came from discovery (not an explicit `cert`). */
  readonly certDiscovered?: boolean;
}

/**
 * What the resolver needs besides the auth options.
 *
 * @category Strategies and DI
 */
export interface ResolveContext {
  /** Strategies registered under `AUTH_STRATEGIES`, applied after the built-ins. */
  extraStrategies?: readonly AuthStrategy[];
  /** How discovered tokens are verified (issuer CA, public key, timeouts). */
  tokenVerification?: DeserializeOptions;
  /**
   * The discovery cache token strategies share (one per session keeps it warm).
   * @internal
   */
  discovery?: ScitokenDiscovery;
  /** Send discovered credentials over plain `http:` to hosts that are not loopback. */
  allowInsecureTransport?: boolean;
}

/**
 * Picks and combines strategies by the rules of the SPEC: `forceNoauth` → nothing;
 * X.509 independently of everything else; explicit `auth`, else bearer tokens unless
 * `token: false`, else netrc basic auth; then the container's extra strategies.
 * Registered in the tsyringe container; replace it there to change the rules.
 *
 * @example
 * ```ts
 * const plan = container.resolve(AuthResolver).resolve({ token: false, cert: false });
 * plan.strategy?.name; // "netrc"
 * ```
 * @category Strategies and DI
 */
@injectable()
export class AuthResolver {
  /** Apply the environment toggles to options that were not given. */
  withEnvironmentDefaults(options: AuthOptions): AuthOptions {
    const resolved = { ...options };
    if (resolved.cert === undefined) {
      const flag = envFlag("IGWN_AUTH_UTILS_FIND_X509");
      if (flag !== undefined) resolved.cert = flag;
    }
    if (resolved.token === undefined) {
      const flag = envFlag("IGWN_AUTH_UTILS_FIND_SCITOKEN");
      if (flag !== undefined) resolved.token = flag;
    }
    return resolved;
  }

  /** Resolve options into a plan. Synchronous: X.509 discovery and netrc are local files. */
  resolve(options: AuthOptions, context: ResolveContext = {}): AuthPlan {
    validateAuthOptions(options);
    const failIfNoauth = options.failIfNoauth ?? false;
    if (options.forceNoauth) {
      return {
        strategies: [],
        cert: null,
        strategy: null,
        explicitAuth: null,
        failIfNoauth: false,
        certDiscoverable: false,
      };
    }
    const { cert, certDiscoverable } = this.resolveCertificate(options.cert);
    const certDiscovered =
      options.cert !== false && typeof options.cert !== "string" && !Array.isArray(options.cert);
    const strategy = this.resolveHeaderStrategy(options, context);
    const strategies = [
      ...(cert ? [new X509Strategy(cert)] : []),
      ...(strategy ? [strategy] : []),
      ...(context.extraStrategies ?? []),
    ];
    return {
      strategies,
      cert,
      strategy,
      explicitAuth: explicitAuthOf(options.auth),
      failIfNoauth,
      certDiscoverable,
      certDiscovered,
    };
  }

  /** X.509: an explicit credential, or discovery (`true`: required; `undefined`/`null`: best effort). */
  resolveCertificate(
    cert: AuthOptions["cert"],
    options: { fileCheckMs?: number } = {},
  ): {
    /** The credential to present, or `null`. */
    cert: X509CredentialPath | null;
    /** `true` when discovery found nothing, so a later request may search again. */
    certDiscoverable: boolean;
  } {
    if (cert === false) return { cert: null, certDiscoverable: false };
    if (typeof cert === "string" || Array.isArray(cert)) {
      return { cert: cert as X509CredentialPath, certDiscoverable: false };
    }
    if (cert === true) {
      // A session needs a credential it can present: a proxy without its key, or with an
      // encrypted or mismatched one, is passed over (unlike findX509Credentials).
      return { cert: findUsableX509Credentials({ onError: "ignore" }), certDiscoverable: false };
    }
    const found = discoverX509ForSession(options);
    return { cert: found, certDiscoverable: found === null };
  }

  /** Explicit `auth`, else tokens unless `token: false`, else netrc. */
  resolveHeaderStrategy(options: AuthOptions, context: ResolveContext): AuthStrategy | null {
    const { auth } = options;
    const allowInsecureTransport = context.allowInsecureTransport ?? false;
    if (auth !== undefined && auth !== null) {
      if (isAuthStrategy(auth)) return auth;
      if (Array.isArray(auth) && auth.length === 2) {
        return new BasicAuthStrategy(auth[0], auth[1], { allowInsecureTransport });
      }
      const credentials = auth as { username?: unknown; password?: unknown };
      if (typeof credentials.username === "string" && typeof credentials.password === "string") {
        return new BasicAuthStrategy(credentials.username, credentials.password, {
          allowInsecureTransport,
        });
      }
      throw new TypeError(
        "auth must be [username, password], { username, password } or an AuthStrategy",
      );
    }
    if (options.token !== false) {
      return new ScitokenStrategy({
        token: options.token ?? null,
        ...(options.tokenAudience !== undefined ? { audience: options.tokenAudience } : {}),
        ...(options.tokenScope !== undefined ? { scope: options.tokenScope } : {}),
        ...(options.tokenIssuer !== undefined ? { issuer: options.tokenIssuer } : {}),
        ...(context.tokenVerification ? { verification: context.tokenVerification } : {}),
        ...(context.discovery ? { discovery: context.discovery } : {}),
        allowInsecureTransport,
      });
    }
    return new NetrcBasicStrategy({ allowInsecureTransport });
  }
}
