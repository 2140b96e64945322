import type { OptionsInit } from "got";

/**
 * One hop of a request as a strategy sees it: before the first request and again before
 * every redirect hop.
 * @category Strategies and DI
 */
export interface AuthRequest {
  /** This hop's URL. */
  readonly url: URL;
  /** The HTTP method (upper case). */
  readonly method: string;
  /** The previous hop's URL, when this hop follows a redirect. */
  readonly redirectedFrom?: URL;
  /** got's headers for this hop; always write lower-case names. */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One way of authenticating requests. Built-ins: {@link ScitokenStrategy},
 * {@link X509Strategy}, {@link NetrcBasicStrategy}, {@link NoAuthStrategy}; a plain object
 * of this shape is a strategy too.
 *
 * @example
 * ```ts
 * const apiKey: AuthStrategy = {
 *   name: "api-key",
 *   authorize(request) {
 *     if (request.url.hostname === "api.example.org") request.headers["x-api-key"] = key;
 *   },
 * };
 * const session = new Session({ auth: apiKey });
 * ```
 * @category Strategies and DI
 */
export interface AuthStrategy {
  /** A short name for logs and `session.toJSON()`, e.g. `"scitoken"`. */
  readonly name: string;
  /**
   * got options this strategy adds to every request it serves (e.g. https.certificate/key).
   * Headers among them go on each hop by the same rules as those `authorize` writes (only
   * to the original origin); keep anything else to TLS options, which every hop gets.
   */
  gotOptions?(): OptionsInit | undefined;
  /** Called before the first request and before every redirect hop; may set headers. */
  authorize?(request: AuthRequest): void | Promise<void>;
  /**
   * Query parameters that carry this strategy's credential (e.g. a signed URL's
   * `signature`): their values are redacted wherever a URL is shown, as `authz` and
   * `access_token` always are.
   */
  readonly secretQueryParameters?: readonly string[];
}
