import { X509Certificate } from "node:crypto";
import type { Stats } from "node:fs";
import { inspect } from "node:util";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { readCredentialFileSync } from "../lib/read-file.js";
import { isProxyCertificate } from "./extensions.js";
import { isPrivateKeyBlock, parsePemBlocks } from "./pem.js";

const WHAT = "X.509 certificate file";

/** OpenSSL's one-line form of a distinguished name: `/DC=org/DC=cilogon/C=US/O=LIGO/CN=…`. */
function slashName(multiline: string): string {
  return multiline === "" ? "" : `/${multiline.split("\n").join("/")}`;
}

function certificateDate(cert: X509Certificate, which: "validFrom" | "validTo"): Date {
  // Node 22.10+ has validFromDate/validToDate; Node 20 only the OpenSSL text form.
  const native = (cert as unknown as Record<string, unknown>)[`${which}Date`];
  return native instanceof Date ? native : new Date(cert[which]);
}

/**
 * What an {@link X509Credential} is made of (see {@link X509Credential.fromPem}).
 *
 * @category X.509
 */
export interface X509CredentialInit {
  /** Where the credential was read from, if it came from a file. */
  path?: string;
  /** The certificates in file order: the leaf first, then its chain. */
  certificates: readonly X509Certificate[];
  /** The private key PEM found beside the certificate, if any. */
  privateKeyPem?: string;
}

/**
 * An X.509 credential: a certificate (often an RFC 3820 proxy), the chain that came with it
 * and, when the same file held one, its private key.
 *
 * The private key is kept out of `util.inspect`, `console.log` and `JSON.stringify`; read it
 * explicitly with {@link X509Credential.privateKeyPem}.
 *
 * @example
 * ```ts
 * const cred = loadX509CertificateFile("/tmp/x509up_u1000");
 * console.log(cred.subject, cred.isProxy, Math.floor(cred.timeLeft() / 60), "minutes left");
 * ```
 * @category X.509
 */
export class X509Credential {
  /** The file the credential was read from (`undefined` when built from text). */
  readonly path: string | undefined;
  /** Every certificate in the file, in file order: the leaf first, then its chain. */
  readonly certificates: readonly X509Certificate[];
  readonly #privateKeyPem: string | undefined;
  #isProxy: boolean | undefined;

  constructor(init: X509CredentialInit) {
    const leaf = init.certificates[0];
    if (!leaf) {
      throw new TypeError("an X509Credential needs at least one certificate");
    }
    this.path = init.path;
    this.certificates = Object.freeze([...init.certificates]);
    this.#privateKeyPem = init.privateKeyPem;
  }

  /**
   * Parse PEM text holding one or more certificates and optionally a private key, in any
   * order (a grid proxy file holds the proxy certificate, its key, then the chain).
   *
   * @param source - what the text is, for error messages when there is no `path`.
   * @param path - the file the text came from, named in error messages and kept as `path`.
   * @example
   * ```ts
   * const cred = X509Credential.fromPem(pemText);
   * ```
   */
  static fromPem(text: string, source = "X.509 certificate text", path?: string): X509Credential {
    const label = path === undefined ? source : `${WHAT} ${path}`;
    if (text.trim() === "") {
      throw new IgwnAuthError(`${label} is empty`, { code: ErrorCode.INVALID_CERTIFICATE });
    }
    const blocks = parsePemBlocks(text, label);
    const certBlocks = blocks.filter((b) => b.label === "CERTIFICATE");
    if (certBlocks.length === 0) {
      const binary = text.includes("\u0000") || text.includes("\uFFFD");
      const hint = binary
        ? "; it holds binary data (DER?), convert it with: openssl x509 -inform der -outform pem"
        : "";
      throw new IgwnAuthError(
        `${label} contains no PEM certificate (no -----BEGIN CERTIFICATE----- block)${hint}`,
        { code: ErrorCode.INVALID_CERTIFICATE },
      );
    }
    const certificates = certBlocks.map((block, i) => {
      try {
        return new X509Certificate(block.der);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new IgwnAuthError(
          `${label}: certificate ${i + 1} of ${certBlocks.length} could not be parsed (${reason})`,
          { code: ErrorCode.INVALID_CERTIFICATE, cause: err },
        );
      }
    });
    const keyBlock = blocks.find(isPrivateKeyBlock);
    return new X509Credential({
      ...(path === undefined ? {} : { path }),
      certificates,
      ...(keyBlock ? { privateKeyPem: keyBlock.text } : {}),
    });
  }

  /** The leaf certificate (the one presented to servers). */
  get certificate(): X509Certificate {
    return this.certificates[0] as X509Certificate;
  }

  /** The leaf's subject in OpenSSL's one-line form, e.g. `/DC=org/…/CN=Albert Einstein`. */
  get subject(): string {
    return slashName(this.certificate.subject);
  }

  /** The leaf's issuer in OpenSSL's one-line form. */
  get issuer(): string {
    return slashName(this.certificate.issuer);
  }

  /**
   * The identity the credential stands for: the subject of the first certificate in the file
   * that is not a proxy (for a proxy file, the user certificate), else the leaf's subject.
   */
  get identity(): string {
    const eec = this.certificates.find((c) => !isProxyCertificate(c));
    return slashName((eec ?? this.certificate).subject);
  }

  /** The leaf's notBefore. */
  get notBefore(): Date {
    return certificateDate(this.certificate, "validFrom");
  }

  /** The leaf's notAfter. */
  get notAfter(): Date {
    return certificateDate(this.certificate, "validTo");
  }

  /** Whether the leaf is a proxy certificate (RFC 3820, or a legacy Globus proxy). */
  get isProxy(): boolean {
    this.#isProxy ??= isProxyCertificate(this.certificate);
    return this.#isProxy;
  }

  /** The leaf's public key type as Node names it: `"rsa"`, `"ec"`, `"rsa-pss"`, `"ed25519"`… */
  get keyType(): string {
    return this.certificate.publicKey.asymmetricKeyType ?? "unknown";
  }

  /**
   * The private key PEM that came in the same file (a proxy file), or `undefined`.
   *
   * > [!WARNING]
   * > This is secret key material: never log it or put it in an error message.
   */
  get privateKeyPem(): string | undefined {
    return this.#privateKeyPem;
  }

  /** Whether the file held a private key as well as certificates. */
  get hasPrivateKey(): boolean {
    return this.#privateKeyPem !== undefined;
  }

  /** Seconds until the leaf expires, measured from `now` (negative once expired). */
  timeLeft(now: Date | number = Date.now()): number {
    return (this.notAfter.getTime() - (typeof now === "number" ? now : now.getTime())) / 1000;
  }

  /** A summary without key material. */
  toJSON(): Record<string, unknown> {
    return {
      path: this.path,
      subject: this.subject,
      issuer: this.issuer,
      identity: this.identity,
      notBefore: this.notBefore.toISOString(),
      notAfter: this.notAfter.toISOString(),
      isProxy: this.isProxy,
      keyType: this.keyType,
      chainLength: this.certificates.length,
      hasPrivateKey: this.hasPrivateKey,
    };
  }

  /** What `util.inspect` shows: {@link X509Credential.toJSON}, never the key. */
  [inspect.custom](_depth: number, options: object): string {
    return `X509Credential ${inspect(this.toJSON(), options)}`;
  }
}

/** Read and parse a certificate file, keeping the stat of what was read (for caches). */
export function readX509Credential(path: string): { credential: X509Credential; stats: Stats } {
  const { text, stats } = readCredentialFileSync(path, { what: WHAT });
  return { credential: X509Credential.fromPem(text, path, path), stats };
}

/**
 * Load an X.509 credential from a PEM file: a certificate, a certificate with its chain, or a
 * proxy file holding the proxy certificate, its private key and the chain (RSA or EC).
 *
 * Throws an {@link IgwnAuthError} naming the file when it is missing, a directory, too large,
 * empty, binary, truncated, or holds no certificate.
 *
 * @example
 * ```ts
 * const cred = loadX509CertificateFile(process.env.X509_USER_PROXY!);
 * cred.isProxy; // true
 * cred.certificates.length; // 2: the proxy and the user certificate
 * ```
 * @category X.509
 */
export function loadX509CertificateFile(path: string): X509Credential {
  return readX509Credential(path).credential;
}
