// The DI tokens. Each is a class rather than a symbol: tsyringe builds an instance of a class
// token nobody registered instead of failing, which lets a Session resolve with or without
// registrations on every tsyringe from 4.8 (which has no `isOptional` for `@inject`). The
// instance it builds stands for "nothing registered" and is never used as a value.
import type { InjectionToken } from "tsyringe";
import type { AuthStrategy } from "../strategies/types.js";
import type { SessionOptions } from "./options.js";

/** What tsyringe makes for {@link SESSION_OPTIONS} when none are registered: no options. */
class NoSessionOptions {}

/** What tsyringe makes for {@link AUTH_STRATEGIES} when none are registered. */
class NoAuthStrategies {}

/**
 * DI token: the {@link SessionOptions} a container-made {@link Session} uses.
 *
 * @example
 * ```ts
 * container.register(SESSION_OPTIONS, { useValue: { url: "https://datafind.example.org" } });
 * const session = container.resolve(Session);
 * ```
 * @category Strategies and DI
 */
export const SESSION_OPTIONS = NoSessionOptions as unknown as InjectionToken<SessionOptions>;

/**
 * DI token: extra strategies every Session made by the container applies, after the
 * built-ins (`forceNoauth` switches them off too).
 *
 * @example
 * ```ts
 * container.register(AUTH_STRATEGIES, { useValue: apiKeyStrategy });
 * ```
 * @category Strategies and DI
 */
export const AUTH_STRATEGIES = NoAuthStrategies as unknown as InjectionToken<AuthStrategy>;

/** The options injected under {@link SESSION_OPTIONS}, or `{}` when none were registered. */
export function injectedOptions(value: unknown): SessionOptions {
  return value instanceof NoSessionOptions || value === undefined || value === null
    ? {}
    : (value as SessionOptions);
}

/** The strategies injected under {@link AUTH_STRATEGIES}, without the "none registered" stand-in. */
export function injectedStrategies(
  values: readonly unknown[] | undefined,
): AuthStrategy[] | undefined {
  return values?.filter((value): value is AuthStrategy => !(value instanceof NoAuthStrategies));
}
