// node-forge is large and slow to import; most callers never need it (Node's own
// X509Certificate does the parsing), so it is loaded on first use, synchronously, because
// the X.509 functions are synchronous.
import { createRequire } from "node:module";
import type forgeModule from "node-forge";

export type Forge = typeof forgeModule;

let forge: Forge | undefined;

/** node-forge, required on first use. */
export function loadForge(): Forge {
  forge ??= createRequire(import.meta.url)("node-forge") as Forge;
  return forge;
}
