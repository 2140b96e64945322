import type { OptionsInit } from "got";
import { warnX509Retirement } from "../x509/deprecation.js";
import { gotCertificateOptions } from "../x509/got-options.js";
import type { AuthStrategy } from "./types.js";

/**
 * An X.509 credential: one PEM file holding certificate and key, or a `[cert, key]` pair.
 *
 * @category Strategies and DI
 */
export type X509CredentialPath = string | readonly [cert: string, key: string];

/**
 * X.509 client-certificate auth: the certificate (with the whole chain in its file, so a
 * server sees an RFC 3820 proxy and the user certificate that issued it) and its key are
 * handed to got for the TLS handshake. The file is re-read when it changes on disk, so a
 * renewed proxy is used by requests made a second or more after the renewal.
 *
 * @example
 * ```ts
 * const session = new Session({ cert: "/tmp/x509up_u1000" });
 * // or, as a strategy of its own:
 * const strategy = new X509Strategy(["usercert.pem", "userkey.pem"]);
 * ```
 * @category Strategies and DI
 */
export class X509Strategy implements AuthStrategy {
  /** Always `"x509"`. */
  readonly name = "x509";
  /** The credential path (or pair) this strategy presents. */
  readonly cert: X509CredentialPath;
  #last: { readonly https: { readonly certificate: string; readonly key: string } } | undefined;

  constructor(cert: X509CredentialPath) {
    this.cert = cert;
  }

  gotOptions(): OptionsInit {
    warnX509Retirement();
    // A renewed proxy is noticed within a second: no stat on every request.
    const { certificate, key } = gotCertificateOptions(this.cert, undefined, { statEveryMs: 1000 });
    const last = this.#last;
    if (last?.https.certificate === certificate && last.https.key === key) return last;
    // Frozen, so the same object can be handed out request after request.
    this.#last = Object.freeze({ https: Object.freeze({ certificate, key }) });
    return this.#last;
  }
}
