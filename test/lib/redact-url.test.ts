import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  REDACTED,
  redactUrl,
  redactUrlInPlace,
  redactUrlsInText,
} from "../../src/lib/redact-url.js";

describe("redactUrl", () => {
  it.each([
    ["https://host/f?authz=Bearer%20abc.def.ghi&x=1", "https://host/f?authz=[redacted]&x=1"],
    ["https://host/f?x=1&access_token=abc#frag", "https://host/f?x=1&access_token=[redacted]#frag"],
    ["https://host/f?AUTHZ=abc", "https://host/f?AUTHZ=[redacted]"],
    ["https://host/f?%61uthz=abc", "https://host/f?%61uthz=[redacted]"],
    ["https://alice:pw@host/f", "https://alice:[redacted]@host/f"],
    ["https://alice@host/f", "https://alice@host/f"],
    ["https://al:p@ss@host/f?authz=1", "https://al:[redacted]@host/f?authz=[redacted]"],
    ["https://host/f?authz", "https://host/f?authz"],
    ["https://host/f?X-Amz-Signature=abc", "https://host/f?X-Amz-Signature=[redacted]"],
    ["not a url ?authz=x", "not a url ?authz=[redacted]"],
  ])("%s → %s", (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it("redacts the query parameters a caller names", () => {
    expect(redactUrl("https://h/?sig=abc&b=1", new Set(["sig"]))).toBe(
      "https://h/?sig=[redacted]&b=1",
    );
  });

  it("takes a URL object and leaves it as it was", () => {
    const url = new URL("https://u:pw@h/?authz=x");
    expect(redactUrl(url)).toBe("https://u:[redacted]@h/?authz=[redacted]");
    expect(url.href).toBe("https://u:pw@h/?authz=x");
  });

  it("never shows a password or a token query value, whatever they hold", () => {
    const secret = fc
      .string({ minLength: 8, maxLength: 30 })
      .filter((s) => /[A-Za-z0-9]{8}/.test(s));
    fc.assert(
      fc.property(secret, fc.constantFrom("authz", "access_token"), (value, param) => {
        const url = new URL("https://user@host.example/path");
        url.password = value;
        url.searchParams.set(param, value);
        url.searchParams.set("keep", "1");
        const shown = [
          redactUrl(url),
          redactUrl(url.href),
          redactUrlsInText(`GET ${url.href} failed`),
        ];
        const encoded = [
          value,
          encodeURIComponent(value),
          url.password,
          url.searchParams.toString(),
        ];
        for (const text of shown) {
          for (const form of encoded.slice(0, 3)) {
            if (form.length >= 8) expect(text).not.toContain(form);
          }
          expect(text).toContain("keep=1");
        }
      }),
    );
  });
});

describe("redactUrlInPlace", () => {
  it("clears the password and secret query values of the URL object itself", () => {
    const url = new URL("https://u:pw@h/p?authz=Bearer%20t&x=1");
    redactUrlInPlace(url);
    expect(url.href).toBe(`https://u@h/p?authz=${REDACTED}&x=1`);
  });
});

describe("redactUrlsInText", () => {
  it("redacts every URL in a message and keeps the rest", () => {
    expect(
      redactUrlsInText(
        "Request failed with status code 404 (Not Found): GET https://x/y?authz=abc; see http://u:p@z/",
      ),
    ).toBe(
      "Request failed with status code 404 (Not Found): GET https://x/y?authz=[redacted]; see http://u:[redacted]@z/",
    );
  });

  it("leaves text without a URL as it is", () => {
    expect(redactUrlsInText("authz=abc")).toBe("authz=abc");
  });
});
