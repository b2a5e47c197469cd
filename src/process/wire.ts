// Framing and value encoding of the pipes between a parent and its forked children.
// A frame is a 4-byte little-endian length followed by a v8.serialize'd envelope
// { t: tag, v: value }. Tags keep results and user messages apart on one pipe.
import v8 from 'node:v8';
import { CowloopError, ErrorCodes } from '../errors.js';

export const TAG_MESSAGE = 'm';
export const TAG_RESULT = 'r';
export const TAG_ERROR = 'x';
export type Tag = typeof TAG_MESSAGE | typeof TAG_RESULT | typeof TAG_ERROR;

export interface Envelope {
  t: Tag;
  v: unknown;
}

const MAX_FRAME = 2 ** 31 - 1;

/** Encodes one frame; throws DataCloneError-derived errors for unserialisable values. */
export function encodeFrame(tag: Tag, value: unknown): Buffer {
  const body = v8.serialize({ t: tag, v: value } satisfies Envelope);
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body]);
}

/** Encodes a user message; an unserialisable one is ERR_COWLOOP_MESSAGE_NOT_SERIALIZABLE. */
export function encodeMessage(message: unknown, destination: string): Buffer {
  try {
    return encodeFrame(TAG_MESSAGE, message);
  } catch (cause) {
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_MESSAGE_NOT_SERIALIZABLE,
      `message to ${destination} cannot be serialised with v8.serialize: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** Incremental decoder: feed chunks, get whole envelopes. */
export class FrameDecoder {
  #chunks: Buffer[] = [];
  #buffered = 0;

  push(chunk: Buffer): Envelope[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const out: Envelope[] = [];
    while (this.#buffered >= 4) {
      const head = this.#peek(4);
      const length = head.readUInt32LE(0);
      if (length > MAX_FRAME) {
        throw new CowloopError(ErrorCodes.ERR_COWLOOP_CHANNEL_CORRUPT, `frame of ${length} bytes on a cowloop channel`);
      }
      if (this.#buffered < 4 + length) break;
      const frame = this.#take(4 + length);
      const envelope = v8.deserialize(frame.subarray(4)) as Envelope;
      out.push(envelope);
    }
    return out;
  }

  get pendingBytes(): number {
    return this.#buffered;
  }

  #peek(n: number): Buffer {
    if (this.#chunks[0]!.length < n) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0]!.subarray(0, n);
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return frame;
  }
}

/** What an error looks like on the wire: enough to rebuild it with name, message and stack. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  props?: Record<string, unknown>;
}

export function errorToWire(error: unknown): WireError {
  if (error instanceof Error) {
    const wire: WireError = { name: error.name, message: error.message };
    if (error.stack !== undefined) wire.stack = error.stack;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') wire.code = code;
    const props: Record<string, unknown> = {};
    for (const key of Object.keys(error)) {
      if (key === 'code' || key === 'name' || key === 'message' || key === 'stack') continue;
      const value: unknown = Reflect.get(error, key);
      if (isCloneable(value)) props[key] = value;
    }
    if (Object.keys(props).length > 0) wire.props = props;
    return wire;
  }
  return { name: 'Error', message: `non-Error value thrown: ${safeString(error)}` };
}

const builtinErrors: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

export function errorFromWire(wire: WireError, extra: Record<string, unknown> = {}): Error {
  const Ctor = builtinErrors[wire.name] ?? Error;
  const error = new Ctor(wire.message);
  if (error.name !== wire.name) {
    Object.defineProperty(error, 'name', { value: wire.name, configurable: true, writable: true });
  }
  if (wire.stack !== undefined) error.stack = wire.stack;
  if (wire.code !== undefined) (error as { code?: string }).code = wire.code;
  Object.assign(error, wire.props ?? {}, extra);
  return error;
}

/** True when v8.serialize (structured clone) accepts the value. */
export function isCloneable(value: unknown): boolean {
  try {
    v8.serialize(value);
    return true;
  } catch {
    return false;
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}
