#!/usr/bin/env node
// `npm run demo`: the main job on an embedded default, end to end (SPEC §10).
import { runDemo } from "./run.js";

process.exitCode = await runDemo();
