// Saying why a request was not authenticated, on the error the caller gets: what the
// failing hop carried, from the hop state, then the explanation itself (explain.ts).
import { debug } from "../../lib/debug.js";
import { type HopState, sameValue } from "../hop-state.js";
import type { FailedHop } from "./explain.js";
import type { AuthExplanation } from "./types.js";

// Loaded when a request first fails to authenticate: a session that never sees a 401 never
// loads it (nor the X.509 and discovery code it reaches), and importing the package stays
// cheap.
let explaining: Promise<[typeof import("./explain.js"), typeof import("./text.js")]> | undefined;

type Headers = Record<string, string | string[] | undefined>;

/** What strategies wrote on the last hop (the one that failed), and which wrote each. */
function writtenOnLastHop(state: HopState, headers: Headers): FailedHop["written"] {
  const records = [...state.originalValues, ...(state.foreignValues ?? [])];
  const written: Array<FailedHop["written"][number]> = [];
  for (const name of state.applied) {
    const value = headers[name];
    if (value === undefined) continue;
    const record = records.findLast(([n, v]) => n === name && sameValue(v, value));
    if (record) written.push(record);
  }
  return written;
}

/**
 * Say why a request was not authenticated: `err.auth` and lines under its message (see
 * AuthExplanation). Never fails the error path itself.
 */
export async function attachExplanation(
  error: object,
  state: HopState,
  headers: Headers,
  response:
    | { statusCode: number; headers: Record<string, string | string[] | undefined> }
    | undefined,
): Promise<void> {
  try {
    explaining ??= Promise.all([import("./explain.js"), import("./text.js")]);
    const [{ explainFailedHop }, { withExplanation }] = await explaining;
    const explanation = await explainFailedHop(
      {
        plan: state.plan,
        url: state.lastUrl,
        originalUrl: state.originalUrl,
        leftOrigin: state.leftOrigin,
        downgraded: state.downgraded,
        written: writtenOnLastHop(state, headers),
      },
      response,
    );
    const target = error as Error & { auth?: AuthExplanation };
    const message = withExplanation(target.message, explanation);
    if (typeof target.stack === "string")
      target.stack = target.stack.replace(target.message, message);
    target.message = message;
    target.auth = explanation;
  } catch (err) {
    debug("could not explain the failure: %s", (err as Error).message);
  }
}
