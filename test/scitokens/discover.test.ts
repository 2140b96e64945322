import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  mkdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, IgwnAuthError } from "../../src/lib/errors.js";
import { DISCOVERY_ENV } from "../../src/scitokens/candidates.js";
import { explainScitokenDiscovery, findScitoken } from "../../src/scitokens/discover.js";
import {
  jtiOf,
  makeSigner,
  READ_AUDIENCE,
  READ_SCOPE,
  runtimeTokenPath,
  type Signer,
  tempDir,
  WRITE_AUDIENCE,
  WRITE_SCOPE,
} from "./discover-fixtures.js";

let signer: Signer;
let rtoken: string;
let wtoken: string;
let dir: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  signer = await makeSigner();
  rtoken = await signer.mint();
  wtoken = await signer.mint({ aud: WRITE_AUDIENCE, scope: WRITE_SCOPE });
});

beforeEach(() => {
  for (const name of DISCOVERY_ENV) saved[name] = process.env[name];
  dir = tempDir();
});

afterEach(() => {
  for (const name of DISCOVERY_ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  rmSync(runtimeTokenPath(), { force: true });
});

function writeToken(name: string, token: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return path;
}

const keyOpts = () => ({ publicKey: signer.publicPem });

async function warningsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: Error[] }> {
  const warnings: Error[] = [];
  const listener = (warning: Error) => warnings.push(warning);
  process.on("warning", listener);
  try {
    const result = await fn();
    await new Promise((resolve) => setImmediate(resolve));
    return { result, warnings };
  } finally {
    process.off("warning", listener);
  }
}

describe("findScitoken sources (Python test_find_token_*)", () => {
  it.each(["SCITOKEN", "BEARER_TOKEN"])("finds a serialised token in $%s", async (name) => {
    process.env[name] = rtoken;
    const token = await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts());
    expect(token.serialized).toBe(rtoken);
    expect(token.claims.scope).toBe(READ_SCOPE);
  });

  it.each(["SCITOKEN_FILE", "BEARER_TOKEN_FILE"])(
    "passes over a $SCITOKEN for the wrong audience and finds the token in $%s",
    async (name) => {
      process.env.SCITOKEN = wtoken;
      process.env[name] = writeToken("token.use", rtoken);
      const token = await findScitoken(READ_AUDIENCE, READ_SCOPE, {
        ...keyOpts(),
        skipErrors: true,
      });
      expect(token.serialized).toBe(rtoken);
    },
  );

  it("finds each token of the $_CONDOR_CREDS folder by its audience and scope", async () => {
    writeToken("read.use", rtoken);
    writeToken("write.use", wtoken);
    writeToken("ignored.top", rtoken);
    process.env._CONDOR_CREDS = dir;
    expect((await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts())).serialized).toBe(rtoken);
    expect((await findScitoken(WRITE_AUDIENCE, WRITE_SCOPE, keyOpts())).serialized).toBe(wtoken);
  });

  it("takes $_CONDOR_CREDS tokens in name order", async () => {
    const second = await signer.mint();
    writeToken("b.use", second);
    writeToken("a.use", rtoken);
    process.env._CONDOR_CREDS = dir;
    expect((await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts())).serialized).toBe(rtoken);
  });

  it("finds $XDG_RUNTIME_DIR/bt_u<euid>", async () => {
    writeFileSync(runtimeTokenPath(), rtoken, { mode: 0o600 });
    expect((await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts())).serialized).toBe(rtoken);
  });

  it("finds /tmp/bt_u<euid> when nothing comes before it", async (ctx) => {
    const path = `/tmp/bt_u${process.geteuid?.() ?? 0}`;
    if (existsSync(path)) ctx.skip();
    try {
      writeFileSync(path, rtoken, { mode: 0o600 });
      const token = await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts());
      expect(token.serialized).toBe(rtoken);
      const reports = await explainScitokenDiscovery(READ_AUDIENCE, READ_SCOPE, keyOpts());
      expect(reports.at(-1)).toMatchObject({ source: path, path, accepted: true });
    } finally {
      rmSync(path, { force: true });
    }
  });

  it("returns a token with a trailing newline stripped", async () => {
    process.env.SCITOKEN_FILE = writeToken("token", `\n  ${rtoken}  \n\n`);
    expect((await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts())).serialized).toBe(rtoken);
  });
});

describe("a token file another user could have put there", () => {
  const isRoot = process.geteuid?.() === 0;
  const NOBODY = 65534;
  const sharedPath = () => `/tmp/bt_u${process.geteuid?.() ?? 0}`;

  /** Run `fn` with /tmp/bt_u<euid> free for this test; skip when it exists, always remove it. */
  async function withSharedPath(
    ctx: { skip: (note?: string) => void },
    fn: (path: string) => Promise<void>,
  ): Promise<void> {
    const path = sharedPath();
    if (existsSync(path)) ctx.skip(`${path} already exists (another run's token)`);
    try {
      await fn(path);
    } finally {
      rmSync(path, { force: true });
    }
  }

  /** What discovery made of the last candidate, /tmp/bt_u<euid>, and findScitoken's error. */
  async function verdict(): Promise<{ reason: string; accepted: boolean; error: unknown }> {
    const reports = await explainScitokenDiscovery(READ_AUDIENCE, READ_SCOPE, keyOpts());
    const last = reports.at(-1);
    const error = await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts()).catch((e) => e);
    return { reason: last?.reason ?? "", accepted: last?.accepted ?? true, error };
  }

  it("passes over /tmp/bt_u<euid> owned by another user, and says why", async (ctx) => {
    if (!isRoot) ctx.skip("giving a file to another user needs root");
    await withSharedPath(ctx, async (path) => {
      writeFileSync(path, rtoken, { mode: 0o600 });
      chownSync(path, NOBODY, NOBODY);
      const { reason, accepted, error } = await verdict();
      expect(accepted).toBe(false);
      expect(reason).toBe(
        `token file ${path} is owned by uid ${NOBODY}, not the current user (uid 0), and /tmp ` +
          "is a folder every user can write to: another user may have put it there, so it is not used",
      );
      expect(error).toMatchObject({ code: ErrorCode.NO_CREDENTIAL });
      expect((error as IgwnAuthError).message).toContain(`${path}: token file ${path} is owned`);
      expect((error as IgwnAuthError).cause).toMatchObject({
        code: ErrorCode.INSECURE_PERMISSIONS,
      });
    });
  });

  it("passes over /tmp/bt_u<euid> that group or others may write to", async (ctx) => {
    await withSharedPath(ctx, async (path) => {
      writeFileSync(path, rtoken, { mode: 0o600 });
      for (const mode of [0o620, 0o602]) {
        chmodSync(path, mode);
        const { reason, accepted } = await verdict();
        expect(accepted).toBe(false);
        expect(reason).toContain(`has mode ${mode.toString(8)}: group or others may write to it`);
      }
      chmodSync(path, 0o644); // readable by others is the owner's business, not an attack
      expect((await verdict()).accepted).toBe(true);
    });
  });

  it("judges the file a symbolic link at /tmp/bt_u<euid> leads to, not the link", async (ctx) => {
    if (!isRoot) ctx.skip("giving a file to another user needs root");
    await withSharedPath(ctx, async (path) => {
      const theirs = writeToken("theirs", rtoken);
      chownSync(theirs, NOBODY, NOBODY);
      symlinkSync(theirs, path); // the link is ours: only the opened file gives it away
      const { reason, accepted } = await verdict();
      expect(accepted).toBe(false);
      expect(reason).toMatch(new RegExp(`^token file ${path} is owned by uid ${NOBODY}, not`));
    });
  });

  it("passes over a symbolic link another user planted at /tmp/bt_u<euid>", async (ctx) => {
    if (!isRoot) ctx.skip("giving a link to another user needs root");
    await withSharedPath(ctx, async (path) => {
      symlinkSync(writeToken("ours", rtoken), path);
      lchownSync(path, NOBODY, NOBODY);
      const { reason, accepted } = await verdict();
      expect(accepted).toBe(false);
      expect(reason).toMatch(
        new RegExp(`^token file ${path} is a symbolic link owned by uid ${NOBODY}, not`),
      );
    });
  });

  it("applies to any folder every user can write to, named by any source", async () => {
    const shared = tempDir();
    chmodSync(shared, 0o1777);
    const path = join(shared, "bt");
    writeFileSync(path, rtoken, { mode: 0o600 });
    chmodSync(path, 0o666);
    process.env.BEARER_TOKEN_FILE = path;
    const error = await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts()).catch((e) => e);
    expect(error).toBeInstanceOf(IgwnAuthError);
    expect(error.message).toContain(`token file ${path} has mode 666`);
    // The same file in a folder of ours, or one only our group may write to, is used.
    chmodSync(shared, 0o770);
    expect((await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts())).serialized).toBe(rtoken);
  });
});

describe("findScitoken order", () => {
  it("tries every source and returns the first valid token after invalid ones", async () => {
    const expired = await signer.mint({ exp: Math.floor(Date.now() / 1000) - 10 });
    const good = await signer.mint();
    process.env.SCITOKEN = expired;
    process.env.SCITOKEN_FILE = writeToken("garbage", "not a token");
    const condor = join(dir, "creds");
    mkdirSync(condor);
    writeFileSync(join(condor, "other.use"), wtoken);
    process.env._CONDOR_CREDS = condor;
    process.env.BEARER_TOKEN = good;
    process.env.BEARER_TOKEN_FILE = writeToken("later", rtoken);

    const token = await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts());
    expect(jtiOf(token.serialized)).toBe(jtiOf(good));

    const reports = await explainScitokenDiscovery(READ_AUDIENCE, READ_SCOPE, keyOpts());
    expect(reports.map((r) => [r.source, r.accepted])).toEqual([
      ["$SCITOKEN", false],
      [`$SCITOKEN_FILE (${join(dir, "garbage")})`, false],
      [`$_CONDOR_CREDS (${join(condor, "other.use")})`, false],
      ["$BEARER_TOKEN", true],
    ]);
    expect(reports[0]?.reason).toMatch(/^claim 'exp': the token expired/);
    expect(reports[1]?.reason).toContain("malformed");
    expect(reports[2]?.reason).toContain("claim 'aud'");
    expect(reports[3]?.reason).toBe("valid");
    expect(reports[3]?.path).toBeUndefined();
    expect(reports[3]?.token?.serialized).toBe(good);
  });

  it("explains every candidate when asked to be exhaustive", async () => {
    process.env.SCITOKEN = rtoken;
    process.env.BEARER_TOKEN_FILE = writeToken("bt", rtoken);
    const reports = await explainScitokenDiscovery(READ_AUDIENCE, READ_SCOPE, {
      ...keyOpts(),
      exhaustive: true,
    });
    const uid = process.geteuid?.() ?? 0;
    expect(reports.map((r) => [r.source, r.accepted, r.reason])).toEqual([
      ["$SCITOKEN", true, "valid"],
      ["$SCITOKEN_FILE", false, "not set"],
      ["$_CONDOR_CREDS", false, "not set"],
      ["$BEARER_TOKEN", false, "not set"],
      [`$BEARER_TOKEN_FILE (${join(dir, "bt")})`, false, "valid, but $SCITOKEN comes first"],
      [`$XDG_RUNTIME_DIR/bt_u${uid} (${runtimeTokenPath()})`, false, "does not exist"],
      [
        `/tmp/bt_u${uid}`,
        false,
        existsSync(`/tmp/bt_u${uid}`) ? expect.any(String) : "does not exist",
      ],
    ]);
  });

  it("looks at a file named twice only once", async () => {
    writeFileSync(runtimeTokenPath(), wtoken, { mode: 0o600 });
    process.env.BEARER_TOKEN_FILE = runtimeTokenPath();
    const reports = await explainScitokenDiscovery(READ_AUDIENCE, READ_SCOPE, keyOpts());
    expect(reports.filter((r) => r.path === runtimeTokenPath())).toHaveLength(1);
  });

  it("reports the condor folder when it is missing or empty (Python test_find_condor_creds_*)", async () => {
    process.env._CONDOR_CREDS = join(dir, "_condor_creds");
    let reports = await explainScitokenDiscovery(READ_AUDIENCE, READ_SCOPE, keyOpts());
    expect(reports[2]).toMatchObject({ accepted: false, reason: "does not exist" });
    process.env._CONDOR_CREDS = dir;
    reports = await explainScitokenDiscovery(READ_AUDIENCE, READ_SCOPE, keyOpts());
    expect(reports[2]).toMatchObject({
      source: `$_CONDOR_CREDS (${dir})`,
      reason: "has no *.use files",
    });
  });
});

describe("findScitoken errors", () => {
  it.each([READ_AUDIENCE, WRITE_AUDIENCE])(
    "rejects a token with the wrong claims for %s, even with skipErrors false (Python test_find_token_error)",
    async (audience) => {
      process.env.SCITOKEN = rtoken;
      const err = await findScitoken(audience, WRITE_SCOPE, {
        ...keyOpts(),
        skipErrors: false,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IgwnAuthError);
      expect(err).toMatchObject({ code: ErrorCode.NO_CREDENTIAL });
      expect((err as Error).message).toMatch(/^could not find a valid SciToken, /);
    },
  );

  it("throws the load error with skipErrors false, and moves on by default (Python test_find_token_skip_errors)", async () => {
    // A real token, but no publicKey and an issuer ("local") whose keys cannot be fetched.
    process.env.SCITOKEN = rtoken;
    const strict = await findScitoken(READ_AUDIENCE, READ_SCOPE, { skipErrors: false }).catch(
      (e: unknown) => e,
    );
    expect(strict).toBeInstanceOf(IgwnAuthError);
    expect(strict).toMatchObject({ code: ErrorCode.KEY_RETRIEVAL });
    expect((strict as Error).message).toMatch(/^could not load the SciToken in \$SCITOKEN: /);
    expect((strict as Error).message).toContain('"local" is not a URL');

    const lenient = await findScitoken(READ_AUDIENCE, READ_SCOPE).catch((e: unknown) => e);
    expect(lenient).toMatchObject({ code: ErrorCode.NO_CREDENTIAL });
    expect((lenient as Error).message).toMatch(/^could not find a valid SciToken, /);
    expect((lenient as Error).cause).toMatchObject({ code: ErrorCode.KEY_RETRIEVAL });
  });

  it("throws for an unreadable token file with skipErrors false", async () => {
    process.env.SCITOKEN_FILE = dir; // a folder, not a file
    process.env.BEARER_TOKEN = rtoken;
    const err = await findScitoken(READ_AUDIENCE, READ_SCOPE, {
      ...keyOpts(),
      skipErrors: false,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.FILE_READ });
    expect((err as Error).message).toContain(`is a directory`);
    expect((await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts())).serialized).toBe(rtoken);
  });

  it("passes over a token file that does not exist, even with skipErrors false", async () => {
    process.env.SCITOKEN_FILE = join(dir, "missing");
    process.env.BEARER_TOKEN_FILE = join(dir, "missing-too");
    process.env.BEARER_TOKEN = rtoken;
    const token = await findScitoken(READ_AUDIENCE, READ_SCOPE, {
      ...keyOpts(),
      skipErrors: false,
    });
    expect(token.serialized).toBe(rtoken);
  });

  it("passes over empty variables", async () => {
    process.env.SCITOKEN = "";
    process.env.SCITOKEN_FILE = "";
    process.env.BEARER_TOKEN = rtoken;
    const token = await findScitoken(READ_AUDIENCE, READ_SCOPE, {
      ...keyOpts(),
      skipErrors: false,
    });
    expect(token.serialized).toBe(rtoken);
  });

  it("lists every source looked at, never a token", async () => {
    process.env.SCITOKEN = wtoken;
    process.env.BEARER_TOKEN_FILE = writeToken("bt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
    process.env.SCITOKEN_FILE = writeToken("expired", await signer.mint({ exp: 1 }));
    const err = (await findScitoken(READ_AUDIENCE, READ_SCOPE, keyOpts()).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toMatch(/^could not find a valid SciToken, /);
    expect(err.message).toContain(`wanted audience ${READ_AUDIENCE}, scope ${READ_SCOPE}`);
    for (const source of [
      "$SCITOKEN: claim 'aud'",
      `$SCITOKEN_FILE (${join(dir, "expired")}): claim 'exp'`,
      "$_CONDOR_CREDS: not set",
      "$BEARER_TOKEN: not set",
      `$BEARER_TOKEN_FILE (${join(dir, "bt")}):`,
      `(${runtimeTokenPath()}): does not exist`,
    ]) {
      expect(err.message).toContain(source);
    }
    for (const secret of [wtoken, ...wtoken.split("."), "eyJzdWIiOiJ4In0"]) {
      expect(err.message).not.toContain(secret);
    }
  });

  it("throws a TypeError for a malformed requested scope", async () => {
    await expect(findScitoken(READ_AUDIENCE, "read")).rejects.toThrow(TypeError);
  });

  it("warns for each token passed over (Python test_find_token_warn)", async () => {
    process.env.SCITOKEN = "blah";
    process.env.SCITOKEN_FILE = writeToken("token.use", rtoken);
    process.env._CONDOR_CREDS = dir; // token.use again, and wrong.use
    writeToken("wrong.use", wtoken);
    const { result, warnings } = await warningsDuring(() =>
      findScitoken(READ_AUDIENCE, READ_SCOPE, { ...keyOpts(), warn: true }),
    );
    expect(result.serialized).toBe(rtoken);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/^\$SCITOKEN: the serialised token is malformed/);

    delete process.env.SCITOKEN_FILE;
    const again = await warningsDuring(() =>
      findScitoken(WRITE_AUDIENCE, WRITE_SCOPE, { ...keyOpts(), warn: true }),
    );
    expect(again.result.serialized).toBe(wtoken);
    expect(again.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/^\$SCITOKEN: /),
      expect.stringMatching(/token\.use\): token rejected: claim 'aud'/),
    ]);
  });
});
