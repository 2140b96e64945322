import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/lib/errors.js";
import { keytabPrincipal } from "../../src/scitokens/keytab.js";
import { kinit } from "../../src/scitokens/kinit.js";
import { type FakeCommands, fakeCommands } from "./fake-command.js";

function counted(text: string | Buffer): Buffer {
  const data = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const length = Buffer.alloc(2);
  length.writeUInt16BE(data.length);
  return Buffer.concat([length, data]);
}

/** An MIT version-2 keytab with one entry per principal, optionally after a hole. */
function keytabBytes(principals: Array<{ components: string[]; realm: string }>, hole = 0): Buffer {
  const parts: Buffer[] = [Buffer.from([0x05, 0x02])];
  if (hole > 0) {
    const size = Buffer.alloc(4);
    size.writeInt32BE(-hole);
    parts.push(size, Buffer.alloc(hole));
  }
  for (const { components, realm } of principals) {
    const count = Buffer.alloc(2);
    count.writeUInt16BE(components.length);
    const tail = Buffer.alloc(4 + 4 + 1 + 2);
    tail.writeUInt32BE(1, 0); // KRB5_NT_PRINCIPAL
    tail.writeUInt32BE(1_700_000_000, 4);
    tail.writeUInt8(3, 8); // kvno
    tail.writeUInt16BE(18, 9); // aes256-cts-hmac-sha1-96
    const entry = Buffer.concat([
      count,
      counted(realm),
      ...components.map((c) => counted(c)),
      tail,
      counted(Buffer.alloc(32, 7)),
    ]);
    const size = Buffer.alloc(4);
    size.writeInt32BE(entry.length);
    parts.push(size, entry);
  }
  return Buffer.concat(parts);
}

const ROBOT = { components: ["robot", "ci.example.org"], realm: "EXAMPLE.ORG" };
const ROBOT_NAME = "robot/ci.example.org@EXAMPLE.ORG";

let bin: FakeCommands;
let keytab: string;

beforeEach(() => {
  bin = fakeCommands();
  keytab = join(bin.dir, "robot.keytab");
  writeFileSync(keytab, keytabBytes([ROBOT]), { mode: 0o600 });
  chmodSync(keytab, 0o600);
});

afterEach(() => {
  bin.restore();
  delete process.env.KRB5_KTNAME;
});

describe("keytabPrincipal", () => {
  it("reads the first principal of a keytab", () => {
    const second = { components: ["albert.einstein"], realm: "LIGO.ORG" };
    expect(keytabPrincipal(keytabBytes([ROBOT, second]))).toBe(ROBOT_NAME);
    expect(keytabPrincipal(keytabBytes([second, ROBOT]))).toBe("albert.einstein@LIGO.ORG");
  });

  it("skips the holes left by deleted entries", () => {
    expect(keytabPrincipal(keytabBytes([ROBOT], 40))).toBe(ROBOT_NAME);
  });

  it.each([
    ["empty", Buffer.alloc(0)],
    ["not a keytab", Buffer.from("hello world")],
    ["a version 1 keytab", Buffer.from([0x05, 0x01, 0, 0, 0, 0])],
    ["truncated", keytabBytes([ROBOT]).subarray(0, 20)],
    ["without entries", Buffer.from([0x05, 0x02])],
  ])("gives undefined for %s", (_name, bytes) => {
    expect(keytabPrincipal(bytes)).toBeUndefined();
  });
});

describe("kinit", () => {
  it("runs kinit -k -t with the keytab's own principal", async () => {
    bin.add("kinit", "exit 0");
    await kinit({ keytab });
    expect(bin.argsOf("kinit")).toEqual(["-k", "-t", keytab, ROBOT_NAME]);
  });

  it("uses $KRB5_KTNAME, with or without a FILE: prefix", async () => {
    bin.add("kinit", "exit 0");
    for (const name of [keytab, `FILE:${keytab}`]) {
      process.env.KRB5_KTNAME = name;
      await kinit();
      expect(bin.argsOf("kinit")).toEqual(["-k", "-t", keytab, ROBOT_NAME]);
    }
  });

  it("passes the principal and credentials cache given", async () => {
    bin.add("kinit", "exit 0");
    const ccache = join(bin.dir, "krb5cc_test");
    await kinit({ keytab, principal: "albert.einstein@LIGO.ORG", ccache });
    expect(bin.argsOf("kinit")).toEqual([
      "-k",
      "-t",
      keytab,
      "-c",
      ccache,
      "albert.einstein@LIGO.ORG",
    ]);
  });

  it("lets kinit choose when the keytab cannot be parsed", async () => {
    bin.add("kinit", "exit 0");
    writeFileSync(keytab, "not a keytab");
    await kinit({ keytab });
    expect(bin.argsOf("kinit")).toEqual(["-k", "-t", keytab]);
  });

  it.each([
    ["640", 0o640],
    ["604", 0o604],
    ["660", 0o660],
    ["644", 0o644],
  ])(
    "refuses a keytab with mode %s and says how to fix it, without running kinit",
    async (_label, mode) => {
      bin.add("kinit", "exit 0");
      chmodSync(keytab, mode);
      const err = await kinit({ keytab }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "IgwnAuthError", code: ErrorCode.INSECURE_PERMISSIONS });
      expect((err as Error).message).toContain(`refusing to use Kerberos keytab ${keytab}`);
      expect((err as Error).message).toContain(`chmod 600 ${keytab}`);
      expect(bin.argsOf("kinit")).toBeUndefined();
    },
  );

  it("needs a keytab", async () => {
    const err = await kinit().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.NO_CREDENTIAL });
    expect((err as Error).message).toContain("$KRB5_KTNAME is not set");
  });

  it("says when the keytab does not exist", async () => {
    const missing = join(bin.dir, "missing.keytab");
    const err = await kinit({ keytab: missing }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.FILE_READ });
    expect((err as Error).message).toBe(`Kerberos keytab ${missing} does not exist`);
  });

  it("refuses keytabs that are not files", async () => {
    const err = await kinit({ keytab: "MEMORY:robot" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.FILE_READ });
    const dir = await kinit({ keytab: bin.dir }).catch((e: unknown) => e);
    expect(dir).toMatchObject({ code: ErrorCode.FILE_READ });
  });

  it("rejects with kinit's own message when it fails", async () => {
    bin.add(
      "kinit",
      `echo "kinit: Keytab contains no suitable keys for ${ROBOT_NAME} while getting initial credentials" >&2\nexit 1`,
    );
    const err = await kinit({ keytab }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.COMMAND_FAILED });
    expect((err as Error).message).toContain("kinit failed (exit status 1)");
    expect((err as Error).message).toContain("Keytab contains no suitable keys");
  });

  it("says when kinit is not installed", async () => {
    const err = await kinit({ keytab, command: join(bin.dir, "no-kinit") }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: ErrorCode.COMMAND_FAILED });
    expect((err as Error).message).toContain("was not found on PATH");
  });
});
