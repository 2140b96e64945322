// Large uploads ask first (`Expect: 100-continue`, as curl does): a server that refuses a
// PUT on its headers alone — XrdHttp answers 403 and closes the connection without reading
// the body — then refuses it before the body is sent, and the caller sees that 403, with
// its explanation, instead of the EPIPE or ECONNRESET of a write to a closed connection.
import type { ClientRequest } from "node:http";

/** Bodies at least this large, or of unknown length (a stream), ask first. */
const ASK_FROM_BYTES = 1024 * 1024;
/** How long to wait for `100 Continue` before sending anyway (curl waits 1 s). */
const CONTINUE_WAIT_MS = 1000;
const BODY_METHODS = new Set(["PUT", "POST", "PATCH"]);

type Write = ClientRequest["write"];
type End = ClientRequest["end"];

/**
 * Whether a request may have its body held (`askBeforeSendingBody`): PUT, POST or PATCH
 * with a body of at least 1 MiB or of unknown length.
 */
export function mayAskBeforeSendingBody(
  method: string | undefined,
  contentLength: unknown,
): boolean {
  if (!BODY_METHODS.has(method ?? "")) return false;
  const length = contentLength === undefined ? undefined : Number(contentLength);
  return length === undefined || length >= ASK_FROM_BYTES;
}

/**
 * Hold an upload's body until the server says `100 Continue` (or a second passes without
 * an answer); if the server answers first, the body is not sent and the connection is not
 * reused. Only for PUT, POST and PATCH whose body is large or of unknown length: other
 * requests are left as they are.
 */
export function askBeforeSendingBody(request: ClientRequest): void {
  const write = request.write;
  const end = request.end;
  const held: Array<() => void> = [];
  let state: "first" | "waiting" | "sending" | "refused" = "first";
  let timer: NodeJS.Timeout | undefined;

  const send = () => {
    if (state !== "waiting") return;
    state = "sending";
    request.write = write;
    request.end = end;
    if (timer) clearTimeout(timer);
    for (const job of held.splice(0)) job();
  };
  const refuse = () => {
    if (state !== "waiting") return;
    state = "refused";
    if (timer) clearTimeout(timer);
    // The server answered without the body. None of it is sent, and what is held stays
    // held (its source waits) until got, done with the response, ends the upload. What
    // was declared was never sent: this connection can carry no other request.
    held.length = 0;
    request.shouldKeepAlive = false;
  };

  // Headers go out with the first write: ask then, once it is sure there is a body.
  request.write = function (this: ClientRequest, ...args: unknown[]) {
    if (state === "first" && !request.headersSent) {
      state = "waiting";
      request.setHeader("Expect", "100-continue");
      request.once("continue", send);
      request.once("response", refuse);
      timer = setTimeout(send, CONTINUE_WAIT_MS);
      request.once("close", () => clearTimeout(timer));
      // Send the headers alone, so the server can answer them.
      request.flushHeaders();
    }
    if (state === "waiting") {
      // Hold the chunk, and its callback with it: the body's source waits (backpressure).
      held.push(() => (write as (...a: unknown[]) => boolean).apply(request, args));
      return false;
    }
    if (state === "refused") return false;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Write;
  request.end = function (this: ClientRequest, ...args: unknown[]) {
    if (state === "waiting") {
      held.push(() => (end as (...a: unknown[]) => ClientRequest).apply(request, args));
      return request;
    }
    if (state === "refused") return request;
    return (end as (...a: unknown[]) => ClientRequest).apply(this, args);
  } as End;
}
