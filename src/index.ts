// The public API of igwn-auth-utils. Every export is named here (no `export *`).

// got's error classes, so that `err instanceof HTTPError` holds against the got this
// package runs on (got is a peer dependency: one copy, shared with the caller).
export {
  CacheError,
  CancelError,
  HTTPError,
  MaxRedirectsError,
  ParseError,
  ReadError,
  RequestError,
  RetryError,
  TimeoutError,
  UploadError,
} from "got";

export { ErrorCode, type ErrorCodeValue, IgwnAuthError } from "./lib/errors.js";
export { type GetNetrcAuthOptions, getNetrcAuth, netrcPath } from "./netrc/netrc.js";
export { type Netrc, type NetrcEntry, parseNetrc } from "./netrc/parse.js";
export { targetAudience } from "./scitokens/audience.js";
export { defaultBearerTokenFile } from "./scitokens/bearer-token-file.js";
export {
  type DeserializeOptions,
  deserializeToken,
  loadTokenFile,
} from "./scitokens/deserialize.js";
export { type FindScitokenOptions, findScitoken } from "./scitokens/discover.js";
export type { DiscoveredScitoken } from "./scitokens/discovery-cache.js";
export { tokenAuthorizationHeader } from "./scitokens/header.js";
export { type GetScitokenOptions, getScitoken } from "./scitokens/htgettoken.js";
export { type KinitOptions, kinit } from "./scitokens/kinit.js";
export { SciToken, type TokenClaims, type TokenHeader } from "./scitokens/token.js";
export { type IsValidTokenOptions, isValidToken } from "./scitokens/validate.js";
export type {
  AuthExplanation,
  PassedOverCredential,
  SentCredential,
  ServerChallenge,
} from "./session/explain/types.js";
export type {
  AuthOptions,
  BasicAuthInput,
  RequestOptions,
  SessionOptions,
} from "./session/options.js";
export type { RequestFunction, RequestShortcut } from "./session/request-types.js";
export {
  del as delete,
  get,
  head,
  type ModuleRequestOptions,
  patch,
  post,
  put,
  request,
} from "./session/requests.js";
export { type AuthPlan, AuthResolver, type ResolveContext } from "./session/resolver.js";
export { type HttpMethod, Session } from "./session/session.js";
export { AUTH_STRATEGIES, SESSION_OPTIONS } from "./session/tokens.js";
export { BasicAuthStrategy, type BasicCredentials } from "./strategies/basic.js";
export { NetrcBasicStrategy } from "./strategies/netrc-basic.js";
export { NoAuthStrategy } from "./strategies/no-auth.js";
export { ScitokenStrategy, type ScitokenStrategyOptions } from "./strategies/scitoken.js";
export type { AuthRequest, AuthStrategy } from "./strategies/types.js";
export { type X509CredentialPath, X509Strategy } from "./strategies/x509.js";
export {
  loadX509CertificateFile,
  X509Credential,
  type X509CredentialInit,
} from "./x509/credential.js";
export {
  explainX509Discovery,
  type FindX509Options,
  findX509Credentials,
  type X509CandidateReport,
  type X509CandidateSource,
  type X509OnError,
} from "./x509/discovery.js";
export { type CertificateInput, isValidCertificate, validateCertificate } from "./x509/validate.js";
