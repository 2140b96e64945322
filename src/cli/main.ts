#!/usr/bin/env node
// The `igwn-auth` executable (package.json "bin").
import { main } from "./program.js";
import { showWarnings } from "./warnings.js";

showWarnings();
// `igwn-auth diagnose URL | head -1` closes stdout early: that is not a failure.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") throw err;
});
// Never process.exit(): stdout may still be draining a download into a pipe.
process.exitCode = await main(process.argv);
