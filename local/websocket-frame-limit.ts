import type { WebSocket } from 'ws';

/** The parts of ws's (8.x) frame parser this module reaches into; checked at run time, since they are not public. */
interface FrameParser {
  _opcode: number;
  _payloadLength: number;
  haveLength(done: (error?: Error) => void): void;
  createError(kind: new (message: string) => Error, message: string, prefix: boolean, closeCode: number, errorCode: string): Error;
}

/**
 * Fails the connection with close code 1009 when the client sends a data frame whose payload is over
 * `maxFrameBytes`, before the frame is read, as API Gateway does for frames over its 32 KB frame quota: "If a
 * larger message (or larger frame size) is received, the connection is closed with code 1009"
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html).
 *
 * `ws` has one limit, `maxPayload`, which it applies to the whole message (128 KB here) and so to each frame;
 * it has no separate frame limit. This adds one to the socket's own frame parser, at the step where `ws`
 * checks `maxPayload` against the frame's announced length, and fails the frame through `ws`'s own error
 * path, so the close (1009, and then `$disconnect`) is exactly the one `ws` makes for a message over
 * `maxPayload`. Control frames (at most 125 bytes by RFC 6455 §5.5) are left alone. It relies on ws 8's
 * internals: if they change, this throws at the first connection rather than silently letting big frames in,
 * and tests/unit/local/websocket-api.test.ts fails.
 */
export function limitFrameSize(socket: WebSocket, maxFrameBytes: number): void {
  const parser = (socket as unknown as { _receiver?: Partial<FrameParser> })._receiver;
  if (!parser || typeof parser.haveLength !== 'function' || typeof parser.createError !== 'function') {
    throw new Error('the ws frame parser is not the one local/websocket-frame-limit.ts was written for (ws 8.x): the 32 KB frame limit cannot be enforced');
  }
  const checked = parser as FrameParser;
  const haveLength = checked.haveLength;
  checked.haveLength = function (this: FrameParser, done) {
    if (this._opcode < 0x08 && this._payloadLength > maxFrameBytes) {
      done(this.createError(RangeError, 'Max frame size exceeded', false, 1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'));
      return;
    }
    haveLength.call(this, done);
  };
}
