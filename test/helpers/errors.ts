import { expect } from "vitest";
import { IgwnAuthError } from "../../src/lib/errors.js";

/** The IgwnAuthError `fn` throws (fails the test when it throws nothing or something else). */
export function thrown(fn: () => unknown): IgwnAuthError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IgwnAuthError);
    return err as IgwnAuthError;
  }
  throw new Error("expected an IgwnAuthError");
}

/**
 * The IgwnAuthError `fn` rejects with, checked for `code`; its message must not contain
 * `secret` (a token), nor any long part of it (its payload or signature alone).
 */
export async function rejection(
  fn: () => Promise<unknown>,
  code: string,
  secret?: string,
): Promise<IgwnAuthError> {
  const err = await fn().then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IgwnAuthError);
  expect((err as IgwnAuthError).code).toBe(code);
  if (secret) {
    for (const part of [secret, ...secret.split(".")]) {
      if (part.length > 8) expect((err as Error).message).not.toContain(part);
    }
  }
  return err as IgwnAuthError;
}
