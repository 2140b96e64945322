const TRUE_VALUES = new Set(["1", "y", "yes", "true"]);

/**
 * Read a boolean toggle from the environment: `1`, `y`, `yes`, `true` (any case) are
 * `true`, any other value `false`, and an unset variable `undefined`.
 */
export function envFlag(name: string): boolean | undefined {
  const value = process.env[name];
  if (value === undefined) return undefined;
  return TRUE_VALUES.has(value.trim().toLowerCase());
}
