// The `igwn-auth` command line: commander parses, each command's module is loaded only
// when that command runs (so `igwn-auth --help` does not load got, jose or forge).
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { addCredentialOptions, addDiscoveryOptions } from "./auth-flags.js";
import type { DiagnoseFlags } from "./commands/diagnose.js";
import type { GetFlags } from "./commands/get.js";
import type { TokenFlags } from "./commands/token.js";
import type { X509Flags } from "./commands/x509.js";
import { DEFAULT_JOBS, DEFAULT_RETRIES, DEFAULT_RETRY_DELAY_SECONDS } from "./download/defaults.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { PROGRAM, printError } from "./output.js";
import {
  collectHeader,
  collectUrl,
  parseCount,
  parsePositiveInteger,
  parseTimeleft,
  parseUrl,
} from "./parsers.js";
import { describeError } from "./report-error.js";

function packageVersion(): string {
  try {
    const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
    return (JSON.parse(text) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

const EXIT_CODES = `
Exit codes:
  0  success
  1  the request failed (HTTP status >= 400, network, TLS or timeout error); for get, any file
  2  no credential where one was required, or a usage error`;

/** Build the program; every action stores its exit code through `setExitCode`. */
export function buildProgram(setExitCode: (code: ExitCodeValue) => void): Command {
  // Run one command: its failure becomes one line on stderr and an exit code.
  const run = async (command: () => Promise<ExitCodeValue>, url?: string) => {
    try {
      setExitCode(await command());
    } catch (err) {
      const report = describeError(err, url);
      printError(report.message);
      setExitCode(report.exitCode);
    }
  };

  const program = new Command(PROGRAM)
    .description(
      "Authenticated HTTP requests for IGWN services, and what credentials they would use: " +
        "SciTokens (bearer tokens), X.509 proxy certificates and netrc.",
    )
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError(`(see ${PROGRAM} --help)`)
    .configureOutput({ outputError: (text, write) => write(`${PROGRAM}: ${text}`) })
    .addHelpText("after", EXIT_CODES);

  const get = program
    .command("get")
    .description(
      "GET URLs with the credentials a Session finds (or the ones given): one to stdout or a " +
        "file, many into a folder, in parallel; each retried and resumed after a failure and " +
        "checked against the server's digest before it is saved",
    )
    .argument("[url...]", "the URLs to get", collectUrl)
    .option(
      "-o, --output <file>",
      "write the body of the one URL to FILE (- for stdout, the default)",
    )
    .option("-d, --dir <dir>", "save each URL in DIR, named after the last part of its path")
    .option(
      "--from-file <list>",
      "also get the URLs in LIST, one per line (# comments; - for stdin, e.g. from gw_data_find)",
    )
    .option(
      "-j, --jobs <n>",
      `transfers at once, on one session (default ${DEFAULT_JOBS})`,
      parsePositiveInteger(64),
    )
    .option(
      "-c, --continue",
      "resume the partial files an earlier run left; skip files already saved",
    )
    .option(
      "--checksum <alg:hex>",
      "the file's known checksum (adler32, crc32c, md5, sha256 or sha512, in hex): fail if the bytes differ",
    )
    .option(
      "--retries <n>",
      `failed attempts in a row without progress before a file fails (default ${DEFAULT_RETRIES})`,
      parseCount(100),
    )
    .option(
      "--retry-delay <seconds>",
      `the wait before the first retry, doubled each time (default ${DEFAULT_RETRY_DELAY_SECONDS})`,
      parseTimeleft,
    )
    .option("--no-digest", "ask the server for no digest (Want-Digest) and check none it sends")
    .option(
      "-H, --header <header>",
      'an extra request header, "Name: value"; repeatable',
      collectHeader,
    )
    .option("--progress", "always show the progress line on stderr")
    .option("--no-progress", "never show the progress line (default: on a terminal only)");
  addCredentialOptions(get, { failIfNoauth: true });
  addDiscoveryOptions(get, {
    audience: "the URL's scheme and host, and its port when not the default",
    timeout:
      "connecting, waiting for the server to answer, a stalled transfer, or the token issuer",
  });
  get
    .addHelpText(
      "after",
      `
A broken transfer (reset, timeout, HTTP 5xx) is retried with a backoff and continued from
the bytes already written (Range, If-Range); a file that changed meanwhile starts over. Each
file is written to .NAME.part beside it and renamed when complete and checked against the
server's Digest (Want-Digest: adler32, crc32c, sha-256) and --checksum. A file that fails
after its retries keeps its .NAME.part for --continue; one that fails a check is removed.

Exit codes: 0 every file saved, 1 any failed (the others are kept), 2 usage error or no
credential.

Examples:
  ${PROGRAM} get https://datafind.example.org/api/v1/gwf.json
  ${PROGRAM} get --scope read:/frames -o H-H1.gwf https://frames.example.org/H-H1.gwf
  gw_data_find -o H -t H1_HOFT_C00 -s 1368975618 -e 1368979218 --url-type https \\
    | ${PROGRAM} get --from-file - -d frames/ -j 8
  ${PROGRAM} get --from-file frames.txt -d frames/ --continue   # after a failed run
  ${PROGRAM} get --token false --cert false https://example.org/private   # netrc only`,
    )
    .action(async (urls: string[] | undefined, flags: GetFlags) => {
      await run(
        async () => (await import("./commands/get.js")).runGet(urls ?? [], flags),
        urls?.length === 1 ? urls[0] : undefined,
      );
    });

  const token = program
    .command("token")
    .description(
      "show the SciToken discovery would use (for URL's audience, if given): where it came from, its claims, time left",
    )
    .argument(
      "[url]",
      "the URL the token is for: its scheme and host are the audience (without it: any audience, and the token's own are shown)",
      parseUrl,
    )
    .option(
      "--timeleft <seconds>",
      "seconds the token must still be valid for (default 60)",
      parseTimeleft,
    )
    .option(
      "--raw",
      "print the serialised token itself and nothing else (a secret: handle with care); when none is found, stdout stays empty and the report goes to stderr",
    )
    .option("--json", "print JSON, for scripts");
  addDiscoveryOptions(token, {
    audience: "the URL's scheme and host (and port), or any audience without a URL",
    timeout: "the token issuer, when its keys have to be fetched to verify a token",
  });
  token.action(async (url: string | undefined, flags: TokenFlags) => {
    await run(async () => (await import("./commands/token.js")).runToken(url, flags), url);
  });

  program
    .command("x509")
    .description(
      "show the X.509 certificate discovery would use: subject, issuer, proxy or not, time left",
    )
    .option(
      "--timeleft <seconds>",
      "seconds the certificate must still be valid for (default 600)",
      parseTimeleft,
    )
    .option("--json", "print JSON, for scripts")
    .action(async (flags: X509Flags) => {
      await run(async () => (await import("./commands/x509.js")).runX509(flags));
    });

  const diagnose = program
    .command("diagnose")
    .description(
      "show every credential a request to URL would look at, in order, why each was taken or " +
        "passed over, and what the request would carry (exit 2 when nothing)",
    )
    .argument("<url>", "the URL a request would go to", parseUrl)
    .option("--json", "print JSON, for scripts");
  addCredentialOptions(diagnose, { failIfNoauth: false });
  addDiscoveryOptions(diagnose, {
    audience: "the URL's scheme and host, and its port when not the default",
    timeout: "the token issuer, when its keys have to be fetched to verify a token",
  });
  diagnose.action(async (url: string, flags: DiagnoseFlags) => {
    await run(async () => (await import("./commands/diagnose.js")).runDiagnose(url, flags), url);
  });

  return program;
}

/** Run `igwn-auth` with `argv` (as `process.argv`); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with 0; every other parse error is a usage error.
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    throw err;
  }
  return exitCode;
}
