import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("importing the built package", () => {
  it("works without importing reflect-metadata first, and resolves a Session from the container", () => {
    // A fresh process where nothing else has loaded the Reflect polyfill.
    const script = `
      const { Session } = await import("igwn-auth-utils");
      const { container } = await import("tsyringe");
      const session = container.resolve(Session);
      console.log(typeof session.get, typeof Reflect.getMetadata);
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    expect(out.trim()).toBe("function function");
  });
});
