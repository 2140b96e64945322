// Turning a caller-supplied public key (PEM, certificate, KeyObject, CryptoKey or JWK) into
// something jose can verify with, refusing shared secrets.
import { createPublicKey, type JsonWebKey, KeyObject, X509Certificate } from "node:crypto";
import type { CryptoKey, JWK } from "jose";
import { ErrorCode, IgwnAuthError } from "../../lib/errors.js";

/** A public key given by the caller: PEM (SPKI, PKCS#1 or a certificate) or a key object. */
export type PublicKeyInput = string | KeyObject | CryptoKey | JWK;

function refuse(reason: string, cause?: unknown): IgwnAuthError {
  return new IgwnAuthError(`the publicKey given ${reason}`, {
    code: ErrorCode.KEY_RETRIEVAL,
    ...(cause === undefined ? {} : { cause }),
  });
}

// Node 20 has a global CryptoKey class, but the project's lib settings do not declare it.
const CryptoKeyClass = (globalThis as { CryptoKey?: abstract new () => object }).CryptoKey;

function isCryptoKey(value: object): value is CryptoKey {
  return CryptoKeyClass !== undefined && value instanceof CryptoKeyClass;
}

/**
 * A verification key for `input`. A private key is reduced to its public half; a symmetric
 * key is refused, as SciTokens are signed with asymmetric keys only.
 *
 * @example
 * ```ts
 * const key = explicitPublicKey(readFileSync("issuer.pem", "utf8"));
 * ```
 */
export function explicitPublicKey(input: PublicKeyInput): KeyObject | CryptoKey {
  if (typeof input === "string") {
    try {
      if (input.includes("-----BEGIN CERTIFICATE-----"))
        return new X509Certificate(input).publicKey;
      return createPublicKey(input);
    } catch (err) {
      throw refuse("could not be read as a PEM public key or certificate", err);
    }
  }
  if (typeof input !== "object" || input === null) {
    throw refuse("is neither a PEM string nor a key object");
  }
  if (input instanceof KeyObject) {
    if (input.type === "secret")
      throw refuse("is a symmetric (secret) key; a public key is required");
    return input.type === "private" ? createPublicKey(input) : input;
  }
  if (isCryptoKey(input)) {
    if (input.type === "secret")
      throw refuse("is a symmetric (secret) key; a public key is required");
    return input;
  }
  const jwk = input as JWK;
  if (jwk.kty === "oct") throw refuse("is a symmetric (oct) JWK; a public key is required");
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
  } catch (err) {
    throw refuse("could not be read as a public JWK", err);
  }
}
