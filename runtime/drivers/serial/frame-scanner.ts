import type { DecodedFrame, FrameParser, FrameParserStats } from './frame-codec.js';

export interface FrameFormat {
  /** Bytes every frame starts with. */
  header: Buffer;
  /** The whole frame's length from its first bytes; undefined while more bytes are needed;
   * 'invalid' when these bytes cannot start a frame (noise that looked like a header). */
  frameLength(buf: Buffer): number | undefined | 'invalid';
  checksumOk(frame: Buffer): boolean;
  decode(frame: Buffer): DecodedFrame;
  /** The longest frame; anything longer in the buffer without a frame is noise. */
  maxLength: number;
}

/**
 * A FrameParser for any fixed-header, checksummed frame format. After a bad checksum it moves
 * on by one byte and looks for the next header, so a corrupted frame or noise that happens to
 * contain header bytes costs one frame, never the stream.
 */
export function createFrameScanner(format: FrameFormat): FrameParser {
  let buf = Buffer.alloc(0);
  const stats: FrameParserStats = { frames: 0, checksumErrors: 0, noiseBytes: 0 };
  const skip = (n: number): void => {
    stats.noiseBytes += n;
    buf = buf.subarray(n);
  };
  return {
    stats,
    reset() {
      buf = Buffer.alloc(0);
    },
    push(chunk) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : Buffer.from(chunk);
      const out: DecodedFrame[] = [];
      for (;;) {
        const at = buf.indexOf(format.header);
        if (at < 0) {
          // Keep a tail that could be the start of a header split across chunks.
          skip(Math.max(0, buf.length - (format.header.length - 1)));
          break;
        }
        if (at > 0) skip(at);
        const length = format.frameLength(buf);
        if (length === undefined) {
          if (buf.length > format.maxLength) skip(1);
          else break;
          continue;
        }
        if (length === 'invalid') {
          skip(1);
          continue;
        }
        if (buf.length < length) break;
        const frame = buf.subarray(0, length);
        if (!format.checksumOk(frame)) {
          stats.checksumErrors++;
          skip(1);
          continue;
        }
        out.push(format.decode(frame));
        stats.frames++;
        buf = buf.subarray(length);
      }
      // Own the remaining bytes, not a view on a chunk the caller may reuse.
      buf = Buffer.from(buf);
      return out;
    },
  };
}

/** Sum of bytes, masked to `bits`. */
export function byteSum(bytes: Uint8Array, bits: 8 | 16): number {
  let sum = 0;
  for (const b of bytes) sum += b;
  return sum & (bits === 8 ? 0xff : 0xffff);
}
