// What the package's dependencies cost to import before any of its own code: got, and
// reflect-metadata with tsyringe (the SPEC's dependency injection decorates Session at
// import). bench/run.js imports this in a fresh process, next to got alone and the package.
import "got";
import "reflect-metadata";
import "tsyringe";
