// The package's one way to reach tsyringe (and the Reflect metadata API it needs, so
// callers need not import reflect-metadata themselves).
import { createRequire } from "node:module";
import type * as Tsyringe from "tsyringe";

// Both are CommonJS: `import` would make Node scan their source for export names before
// running it, a start-up cost (about 15 ms here) that `require` does not have. Either
// way Node keeps one instance of each, so this is the caller's own tsyringe container.
const require = createRequire(import.meta.url);
require("reflect-metadata");
const tsyringe = require("tsyringe") as typeof Tsyringe;

export const { container, inject, injectAll, injectable } = tsyringe;
