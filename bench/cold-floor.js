// What the package's dependencies cost to import before any of its own code: got, and
// reflect-metadata with tsyringe (the SPEC's dependency injection decorates Session at
// import), loaded as the package loads them (require, see src/lib/di.ts). bench/run.js
// imports this in a fresh process, next to got alone and the package.
import "got";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
require("reflect-metadata");
require("tsyringe");
