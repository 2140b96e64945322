// The demo's HTTPS service: it accepts a SciToken (verified against the issuer's published
// keys with jose), an X.509 client certificate, or netrc-style basic auth, and answers with
// what it saw — never echoing a token or a password back.
import { X509Certificate } from "node:crypto";
import { get as httpsGet } from "node:https";
import type { TLSSocket } from "node:tls";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import type { RecordedRequest, TestServer } from "../testing/https-server.js";

/** What the service made of a request's credentials. */
export interface ServiceView {
  path: string;
  /** The verified token's claims that matter, or why it was refused. */
  token:
    | { sub?: unknown; scope?: unknown; aud?: unknown; iss?: unknown }
    | { refused: string }
    | null;
  /** The user of valid basic credentials, or why they were refused. */
  basic: { user: string } | { refused: string } | null;
  /** The client certificate presented, as its subject (slash form). */
  clientCertificate: { subject: string; issuer: string } | null;
}

function getJson(url: string, ca: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => {
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(err);
        }
      });
    }).on("error", reject);
  });
}

/** The issuer's keys, found as a relying party finds them: metadata, then `jwks_uri`. */
export async function fetchIssuerKeys(issuer: string, ca: string): Promise<JSONWebKeySet> {
  const metadata = (await getJson(`${issuer}/.well-known/openid-configuration`, ca)) as {
    jwks_uri: string;
  };
  return (await getJson(metadata.jwks_uri, ca)) as JSONWebKeySet;
}

function slashName(multiline: string): string {
  return `/${multiline.split("\n").join("/")}`;
}

export interface ServiceOptions {
  issuer: string;
  /** The `aud` this service answers to. */
  audience: string;
  keys: JSONWebKeySet;
  basicUser: string;
  basicPassword: string;
  /** Where `/redirect` sends the client: another origin. */
  elsewhere: string;
  /** The body of `/frames/…`. */
  frame: Buffer;
}

async function view(
  req: { url?: string | undefined; socket: unknown },
  recorded: RecordedRequest,
  options: ServiceOptions,
): Promise<ServiceView> {
  const result: ServiceView = {
    path: new URL(req.url ?? "/", "https://service").pathname,
    token: null,
    basic: null,
    clientCertificate: null,
  };
  const authorization = recorded.headers.authorization ?? "";
  if (authorization.startsWith("Bearer ")) {
    try {
      const { payload } = await jwtVerify(authorization.slice(7), createLocalJWKSet(options.keys), {
        issuer: options.issuer,
        audience: [options.audience, "ANY"],
      });
      result.token = { sub: payload.sub, aud: payload.aud, scope: payload.scope, iss: payload.iss };
    } catch (err) {
      result.token = { refused: err instanceof Error ? err.message : String(err) };
    }
  } else if (authorization.startsWith("Basic ")) {
    const [user, ...rest] = Buffer.from(authorization.slice(6), "base64").toString().split(":");
    result.basic =
      user === options.basicUser && rest.join(":") === options.basicPassword
        ? { user }
        : { refused: "wrong user or password" };
  }
  const peer = (req.socket as TLSSocket).getPeerX509Certificate?.();
  if (peer instanceof X509Certificate) {
    result.clientCertificate = { subject: slashName(peer.subject), issuer: slashName(peer.issuer) };
  }
  return result;
}

function accepted(seen: ServiceView): boolean {
  return (
    (seen.token !== null && !("refused" in seen.token)) ||
    (seen.basic !== null && !("refused" in seen.basic)) ||
    seen.clientCertificate !== null
  );
}

/**
 * Serve the demo's routes on `server`: `/whoami` (JSON of what the service saw),
 * `/frames/<name>` (a binary body), `/redirect` (302 to another origin); 401 without a
 * credential it accepts.
 */
export function serveDemo(server: TestServer, options: ServiceOptions): void {
  server.handle(async (req, res, recorded) => {
    const seen = await view(req, recorded, options);
    if (seen.path === "/redirect") {
      res.writeHead(302, { location: `${options.elsewhere}/landing` });
      res.end();
      return;
    }
    if (!accepted(seen)) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "no credential this service accepts", seen }));
      return;
    }
    if (seen.path.startsWith("/frames/")) {
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": String(options.frame.length),
      });
      res.end(options.frame);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(seen));
  });
}
