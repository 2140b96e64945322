// Moved to src/testing so the demo and the benchmark can use the same fixtures.
export * from "../../src/testing/issuer.js";
