// X.509 user and proxy credentials made per test run, on top of the CA helpers in pki.ts.
//
// forge builds the TBSCertificate (names, validity, extensions) but cannot encode or sign with
// an EC key, so every certificate here is finished by hand: the SubjectPublicKeyInfo node is
// replaced with Node's own SPKI DER, and the TBS is signed with Node's crypto.sign. That one
// path serves RSA and EC subjects, and RSA and EC issuers, alike.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomInt,
  sign,
  X509Certificate,
} from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";
import { createCA, type IssuedCertificate } from "./pki.js";

export type KeyType = "rsa" | "ec";

/** A certificate with its key, usable as an issuer and written into files by the tests. */
export interface TestCredential {
  readonly certPem: string;
  /** PKCS#8 PEM of the private key (or PKCS#1 for the CA from pki.ts). */
  readonly keyPem: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly subject: forge.pki.CertificateField[];
  /** The last common name in the subject (what the test server records for the chain). */
  readonly commonName: string;
  readonly x509: X509Certificate;
}

const OID = {
  domainComponent: "0.9.2342.19200300.100.1.25",
  proxyCertInfo: "1.3.6.1.5.5.7.1.14",
  inheritAll: "1.3.6.1.5.5.7.21.1",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
} as const;

const { asn1 } = forge;

// -- keys --------------------------------------------------------------------------------

const sharedKeys = new Map<KeyType, { privateKey: KeyObject; publicKey: KeyObject }>();

/** A fresh key pair from Node's crypto (fast): 2048-bit RSA or P-256. */
export function newKeyPair(type: KeyType): { privateKey: KeyObject; publicKey: KeyObject } {
  return type === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: 2048 })
    : generateKeyPairSync("ec", { namedCurve: "P-256" });
}

/** One key pair per type per test file, for tests that do not care whose key it is. */
export function sharedKeyPair(type: KeyType): { privateKey: KeyObject; publicKey: KeyObject } {
  let pair = sharedKeys.get(type);
  if (!pair) {
    pair = newKeyPair(type);
    sharedKeys.set(type, pair);
  }
  return pair;
}

// forge needs some RSA public key to lay out the TBS; it is replaced before signing.
let placeholder: forge.pki.PublicKey | undefined;
function placeholderKey(): forge.pki.PublicKey {
  placeholder ??= forge.pki.publicKeyFromPem(
    sharedKeyPair("rsa").publicKey.export({ type: "spki", format: "pem" }).toString(),
  );
  return placeholder;
}

// -- names -------------------------------------------------------------------------------

/** A subject in the CILogon style used for LIGO.ORG identities. */
export function ligoSubject(
  commonName = "Albert Einstein albert.einstein@ligo.org",
): forge.pki.CertificateField[] {
  return [
    { type: OID.domainComponent, value: "org", valueTagClass: asn1.Type.IA5STRING },
    { type: OID.domainComponent, value: "cilogon", valueTagClass: asn1.Type.IA5STRING },
    { name: "countryName", value: "US" },
    { name: "organizationName", value: "LIGO" },
    { name: "commonName", value: commonName, valueTagClass: asn1.Type.UTF8 },
  ] as forge.pki.CertificateField[];
}

// Fresh copies: forge fills in fields of the objects it is given.
function copyFields(fields: forge.pki.CertificateField[]): forge.pki.CertificateField[] {
  return fields.map((f) => ({ ...f }));
}

// -- building ----------------------------------------------------------------------------

interface BuildSpec {
  subject: forge.pki.CertificateField[];
  publicKey: KeyObject;
  issuer: TestCredential | "self";
  signer: KeyObject;
  serial: bigint;
  notBefore: Date;
  notAfter: Date;
  extensions: object[];
}

function algorithmIdentifier(signer: KeyObject): forge.asn1.Asn1 {
  const ec = signer.asymmetricKeyType === "ec";
  const oid = asn1.create(
    asn1.Class.UNIVERSAL,
    asn1.Type.OID,
    false,
    asn1.oidToDer(ec ? OID.ecdsaWithSHA256 : OID.sha256WithRSAEncryption).getBytes(),
  );
  // RFC 5758: ECDSA identifiers have no parameters; RSA ones carry an explicit NULL.
  return asn1.create(
    asn1.Class.UNIVERSAL,
    asn1.Type.SEQUENCE,
    true,
    ec ? [oid] : [oid, asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, "")],
  );
}

function buildCertificatePem(spec: BuildSpec): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = placeholderKey();
  // DER INTEGERs are signed: a leading zero byte keeps the serial positive.
  const hex = spec.serial.toString(16);
  cert.serialNumber = `${hex.length % 2 ? "0" : "00"}${hex}`;
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject(copyFields(spec.subject));
  cert.setIssuer(copyFields(spec.issuer === "self" ? spec.subject : spec.issuer.subject));
  cert.setExtensions(spec.extensions);
  cert.siginfo.algorithmOid = OID.sha256WithRSAEncryption;

  // Present at run time, missing from @types/node-forge.
  const { getTBSCertificate } = forge.pki as unknown as {
    getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1;
  };
  const tbs = getTBSCertificate(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  const algorithm = algorithmIdentifier(spec.signer);
  fields[2] = algorithm;
  const spki = spec.publicKey.export({ type: "spki", format: "der" });
  fields[6] = asn1.fromDer(forge.util.createBuffer(spki.toString("binary")));

  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), "binary");
  const signature = sign("sha256", tbsDer, spec.signer);
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithmIdentifier(spec.signer),
    asn1.create(
      asn1.Class.UNIVERSAL,
      asn1.Type.BITSTRING,
      false,
      `\u0000${signature.toString("binary")}`,
    ),
  ]);
  const der = asn1.toDer(certificate).getBytes();
  return forge.pem.encode({ type: "CERTIFICATE", body: der }, { maxline: 64 });
}

function credential(
  certPem: string,
  privateKey: KeyObject,
  publicKey: KeyObject,
  subject: forge.pki.CertificateField[],
): TestCredential {
  const x509 = new X509Certificate(certPem);
  const cns = subject.filter((f) => f.name === "commonName");
  return {
    certPem,
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    privateKey,
    publicKey,
    subject,
    commonName: String(cns[cns.length - 1]?.value ?? ""),
    x509,
  };
}

/** Adapt a CA made by pki.ts so it can issue the credentials below. */
export function fromIssued(issued: IssuedCertificate): TestCredential {
  const privateKey = createPrivateKey(issued.keyPem);
  // Only type and value: forge treats a present-but-undefined valueTagClass as a tag.
  const subject = issued.cert.subject.attributes.map((a) =>
    a.valueTagClass === undefined
      ? { type: a.type, value: a.value }
      : { type: a.type, value: a.value, valueTagClass: a.valueTagClass },
  ) as forge.pki.CertificateField[];
  const cns = issued.cert.subject.attributes.filter((a) => a.name === "commonName");
  return {
    certPem: issued.certPem,
    keyPem: issued.keyPem,
    privateKey,
    publicKey: createPublicKey(privateKey),
    subject,
    commonName: String(cns[cns.length - 1]?.value ?? ""),
    x509: new X509Certificate(issued.certPem),
  };
}

let userCa: TestCredential | undefined;

/** The CA that issues user certificates (a stand-in for the CILogon CA), one per test file. */
export function testUserCa(): TestCredential {
  userCa ??= fromIssued(createCA("IGWN Test User CA"));
  return userCa;
}

export interface UserCertificateOptions {
  keyType?: KeyType;
  /** Use a key pair of its own rather than the shared one (for key-mismatch tests). */
  freshKey?: boolean;
  commonName?: string;
  issuer?: TestCredential;
  notBefore?: Date;
  notAfter?: Date;
}

/** An end-entity user certificate issued by {@link testUserCa} (RSA unless asked for EC). */
export function issueUserCertificate(options: UserCertificateOptions = {}): TestCredential {
  const type = options.keyType ?? "rsa";
  const keys = options.freshKey ? newKeyPair(type) : sharedKeyPair(type);
  const issuer = options.issuer ?? testUserCa();
  const subject = ligoSubject(options.commonName);
  const pem = buildCertificatePem({
    subject,
    publicKey: keys.publicKey,
    issuer,
    signer: issuer.privateKey,
    serial: BigInt(randomInt(1, 2 ** 47)),
    notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 24 * 3600_000),
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", clientAuth: true },
    ],
  });
  return credential(pem, keys.privateKey, keys.publicKey, subject);
}

export interface ProxyOptions {
  keyType?: KeyType;
  freshKey?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Leave out the RFC 3820 ProxyCertInfo extension (to look like a plain certificate). */
  withoutProxyCertInfo?: boolean;
  /** The CN appended to the issuer's subject; default the serial number's digits. */
  commonName?: string;
}

function proxyCertInfo(): forge.asn1.Asn1 {
  // ProxyCertInfo ::= SEQUENCE { pCPathLenConstraint OPTIONAL, proxyPolicy ProxyPolicy }
  // ProxyPolicy ::= SEQUENCE { policyLanguage OID, policy OCTET STRING OPTIONAL }
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(
        asn1.Class.UNIVERSAL,
        asn1.Type.OID,
        false,
        asn1.oidToDer(OID.inheritAll).getBytes(),
      ),
    ]),
  ]);
}

/**
 * An RFC 3820 proxy certificate signed by `issuer` (a user certificate or another proxy):
 * subject = issuer subject + CN=<serial number digits>, critical ProxyCertInfo with
 * id-ppl-inheritAll, as grid-proxy-init makes them.
 */
export function issueProxyCertificate(
  issuer: TestCredential,
  options: ProxyOptions = {},
): TestCredential {
  const type = options.keyType ?? (issuer.publicKey.asymmetricKeyType === "ec" ? "ec" : "rsa");
  const keys = options.freshKey ? newKeyPair(type) : sharedKeyPair(type);
  const serial = randomInt(1, 2 ** 47);
  const subject = [
    ...issuer.subject,
    { name: "commonName", value: options.commonName ?? String(serial) },
  ] as forge.pki.CertificateField[];
  const extensions: object[] = [
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
  ];
  if (!options.withoutProxyCertInfo) {
    extensions.push({ id: OID.proxyCertInfo, critical: true, value: proxyCertInfo() });
  }
  const pem = buildCertificatePem({
    subject,
    publicKey: keys.publicKey,
    issuer,
    signer: issuer.privateKey,
    serial: BigInt(serial),
    notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 12 * 3600_000),
    extensions,
  });
  return credential(pem, keys.privateKey, keys.publicKey, subject);
}

// -- files -------------------------------------------------------------------------------

/** Proxy file text as grid-proxy-init writes it: the proxy certificate, its key, the chain. */
export function proxyFileText(proxy: TestCredential, ...chain: TestCredential[]): string {
  return [proxy.certPem, proxy.keyPem, ...chain.map((c) => c.certPem)].join("");
}

/** Write `text` to `dir/name` with mode 600 (creating `dir`), and return the path. */
export function writeCredentialFile(dir: string, name: string, text: string | Buffer): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** Write a proxy file (cert, key, chain) and return its path. */
export function writeProxyFile(
  dir: string,
  proxy: TestCredential,
  chain: TestCredential[],
  name = "x509up_test",
): string {
  return writeCredentialFile(dir, name, proxyFileText(proxy, ...chain));
}

/** Write a certificate and its key to separate files, as ~/.globus holds them. */
export function writeCertAndKey(
  dir: string,
  user: TestCredential,
  names: [cert: string, key: string] = ["usercert.pem", "userkey.pem"],
): [cert: string, key: string] {
  return [
    writeCredentialFile(dir, names[0], user.certPem),
    writeCredentialFile(dir, names[1], user.keyPem),
  ];
}

/** Dates for a certificate that expires `seconds` from now (negative: already expired). */
export function expiringIn(seconds: number): { notBefore: Date; notAfter: Date } {
  const notAfter = new Date(Date.now() + seconds * 1000);
  const notBefore = new Date(Math.min(Date.now() - 3600_000, notAfter.getTime() - 3600_000));
  return { notBefore, notAfter };
}

/** A PEM public key (SPKI), e.g. for a "key file" that holds no private key. */
export function rsaPublicKeyPem(): string {
  return sharedKeyPair("rsa").publicKey.export({ type: "spki", format: "pem" }).toString();
}
