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
