import { debuglog } from "node:util";

/**
 * Debug logging, switched on with `NODE_DEBUG=igwn-auth`. Lines name sources, hosts and
 * decisions; they never carry a token, a password or key material.
 */
export const debug = debuglog("igwn-auth");
