/** A thermal or camera frame. It stays in memory on the box: it never reaches the store or
 * the outbox, only the counts and temperatures derived from it do. */
export interface ImageFrame {
  width: number;
  height: number;
  /** Row by row, width × height values (°C for thermal arrays). */
  pixels: Float32Array;
}

export interface DecodedFrame {
  /** Named values (`pm25`, `distance`); NaN where the device says it has no reading. */
  fields: Record<string, number>;
  image?: ImageFrame;
}

export interface FrameParserStats {
  frames: number;
  checksumErrors: number;
  /** Bytes skipped while looking for the start of a frame. */
  noiseBytes: number;
}

/** Turns a byte stream into frames, resynchronising after noise and checking every checksum. */
export interface FrameParser {
  push(chunk: Buffer): DecodedFrame[];
  readonly stats: FrameParserStats;
  reset(): void;
}

/** How to talk to one framed serial device: framing, decoding and the bytes it understands. */
export interface FrameCodec {
  /** The name profiles refer to in their `codec` field. */
  readonly id: string;
  /** The fields its frames decode to; profile points map these. */
  readonly fields: readonly string[];
  readonly defaultBaudRate: number;
  /** The longest frame it sends, for answer timeouts at low baud rates. */
  readonly maxFrameBytes: number;
  createParser(): FrameParser;
  /** Sent once after the port opens (put the device in query mode). */
  readonly setup: readonly Buffer[];
  /** Sent for each poll when the device answers on request; absent when it streams. */
  readonly pollRequest?: Buffer;
  /** Named commands as the device manual lists them, checked against golden vectors. */
  readonly commands: Readonly<Record<string, Buffer>>;
}
