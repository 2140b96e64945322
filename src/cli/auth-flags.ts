// The auth flags shared by `get`, `token` and `diagnose`, and how they map onto the
// library's SessionOptions (SPEC §3): one mapping, so `diagnose` judges exactly what `get`
// would do with the same flags.
import type { Command } from "commander";
import { ExitCode, UsageError } from "./exit-codes.js";
import { collect, parsePathOrFalse, parseSeconds } from "./parsers.js";

/** Flags that shape token discovery and TLS trust. */
export interface DiscoveryFlags {
  audience?: string[];
  scope?: string[];
  issuer?: string[];
  /** A PEM file of extra certificate authorities to trust. */
  ca?: string;
  /** Seconds. */
  timeout?: number;
}

/** Flags that choose credentials, as the options of SPEC §3. */
export interface AuthFlags extends DiscoveryFlags {
  /** A token file, or `false` for no token. */
  token?: string | false;
  /** A certificate (with key) file, or `false` for no certificate. */
  cert?: string | false;
  /** The private key, when not in the `--cert` file. */
  key?: string;
  /** `false` with `--no-auth`. */
  auth?: boolean;
  failIfNoauth?: boolean;
}

/** What `--audience` and `--timeout` mean for one command. */
export interface DiscoveryHelp {
  /** The default audience, e.g. "the URL's scheme and host". */
  audience: string;
  /** What `--timeout` bounds, e.g. "the token issuer, when its keys are fetched". */
  timeout: string;
}

/** Add `--audience`, `--scope`, `--issuer`, `--ca`, `--timeout`. */
export function addDiscoveryOptions(command: Command, help: DiscoveryHelp): Command {
  return command
    .option(
      "--audience <aud>",
      `token audience (aud) to require; repeat for any of several (default: ${help.audience})`,
      collect,
    )
    .option(
      "--scope <scope>",
      "token scope to require, e.g. read:/frames; repeat for several",
      collect,
    )
    .option("--issuer <iss>", "token issuer (iss) to require; repeat for any of several", collect)
    .option(
      "--ca <file>",
      "PEM file of extra certificate authorities to trust, for the server and the token issuer (NODE_EXTRA_CA_CERTS works too)",
    )
    .option("--timeout <seconds>", `give up after SECONDS: ${help.timeout}`, parseSeconds);
}

/** Add `--token`, `--cert`, `--key`, `--no-auth` and (optionally) `--fail-if-noauth`. */
export function addCredentialOptions(
  command: Command,
  options: { failIfNoauth: boolean },
): Command {
  command
    .option(
      "--token <file|false>",
      "send the token in FILE as is, or false: send no token (default: discover one)",
      parsePathOrFalse,
    )
    .option(
      "--cert <file|false>",
      "present the X.509 certificate (and key) in FILE, or false: none (default: discover one)",
      parsePathOrFalse,
    )
    .option("--key <file>", "the private key for --cert, when it is not in the same file")
    .option("--no-auth", "send no credentials at all, and look for none");
  if (options.failIfNoauth) {
    command.option(
      "--fail-if-noauth",
      `exit ${ExitCode.NO_CREDENTIAL} when no credential is found`,
    );
  }
  return command;
}

/** Check flag combinations commander cannot express. */
export function checkAuthFlags(flags: AuthFlags): void {
  if (flags.auth === false && flags.failIfNoauth) {
    throw new UsageError("--no-auth and --fail-if-noauth cannot be used together");
  }
  if (flags.key !== undefined && (flags.cert === undefined || flags.cert === false)) {
    throw new UsageError("--key needs --cert FILE");
  }
}
