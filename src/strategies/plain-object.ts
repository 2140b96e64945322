import type { AuthStrategy } from "./types.js";

/** Whether a value has the shape of an {@link AuthStrategy} (a plain object counts). */
export function isAuthStrategy(value: unknown): value is AuthStrategy {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const candidate = value as Partial<AuthStrategy>;
  return (
    typeof candidate.name === "string" &&
    (candidate.authorize === undefined || typeof candidate.authorize === "function") &&
    (candidate.gotOptions === undefined || typeof candidate.gotOptions === "function")
  );
}
