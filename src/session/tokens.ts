import type { InjectionToken } from "tsyringe";
import type { AuthStrategy } from "../strategies/types.js";
import type { SessionOptions } from "./options.js";

/**
 * DI token: the {@link SessionOptions} a container-made {@link Session} uses.
 *
 * @example
 * ```ts
 * container.register(SESSION_OPTIONS, { useValue: { url: "https://datafind.example.org" } });
 * const session = container.resolve(Session);
 * ```
 */
export const SESSION_OPTIONS: InjectionToken<SessionOptions> = Symbol(
  "igwn-auth-utils.SessionOptions",
);

/**
 * DI token: extra strategies every Session made by the container applies, after the
 * built-ins (`forceNoauth` switches them off too).
 *
 * @example
 * ```ts
 * container.register(AUTH_STRATEGIES, { useValue: apiKeyStrategy });
 * ```
 */
export const AUTH_STRATEGIES: InjectionToken<AuthStrategy> = Symbol(
  "igwn-auth-utils.AuthStrategies",
);
