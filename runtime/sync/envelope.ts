import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeCbor, encodeCbor, type CborValue } from '../shared/cbor.js';

export const ENVELOPE_VERSION = 1;

export type PayloadEncoding = 'json' | 'cbor' | 'cbor+deflate';

export interface EnvelopeHeader {
  gatewayId: string;
  epoch: string;
  seq: number;
  kind: string;
  sentMs: number;
  /** `[i, n]`: this message carries part i (from 1) of n of the row's records. */
  part?: [number, number];
}

export interface EncodedPayload {
  payload: Buffer;
  contentType: 'application/json' | 'application/cbor';
  /** Raw DEFLATE (RFC 1951) over the CBOR bytes; said in the `enc` user property. */
  deflated: boolean;
}

/**
 * The message for one outbox row (or one part of it): `{v, gw, epoch, seq, kind, sent, part?,
 * recs}`. (epoch, seq) is the batch key; each record in `recs` carries its own record key. For
 * JSON the stored body is spliced in rather than parsed and re-serialised on the hot path; CBOR
 * has the same structure with the same keys.
 */
export function encodeEnvelope(
  h: EnvelopeHeader,
  recsJson: string,
  encoding: PayloadEncoding,
): EncodedPayload {
  if (encoding === 'json') {
    const part = h.part ? `"part":[${h.part[0]},${h.part[1]}],` : '';
    const text =
      `{"v":${ENVELOPE_VERSION},"gw":${JSON.stringify(h.gatewayId)},"epoch":${JSON.stringify(h.epoch)},` +
      `"seq":${h.seq},"kind":${JSON.stringify(h.kind)},"sent":${h.sentMs},${part}"recs":${recsJson}}`;
    return { payload: Buffer.from(text), contentType: 'application/json', deflated: false };
  }
  const env: Record<string, CborValue> = {
    v: ENVELOPE_VERSION,
    gw: h.gatewayId,
    epoch: h.epoch,
    seq: h.seq,
    kind: h.kind,
    sent: h.sentMs,
    ...(h.part ? { part: h.part } : {}),
    recs: JSON.parse(recsJson) as CborValue,
  };
  const cbor = encodeCbor(env);
  if (encoding === 'cbor')
    return { payload: cbor, contentType: 'application/cbor', deflated: false };
  return {
    payload: deflateRawSync(cbor, { level: 9 }),
    contentType: 'application/cbor',
    deflated: true,
  };
}

export interface PayloadHints {
  contentType?: string | undefined;
  /** The `enc` user property: "deflate" when the payload is compressed. */
  enc?: string | undefined;
}

/** Inflated payloads above this are refused: a small message must not unpack into gigabytes. */
const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

/**
 * Decodes a data message in any of the encodings. MQTT 5 says which in its properties; on
 * 3.1.1 the first byte does: `{` is JSON, a CBOR map starts with 0xa0–0xbf, anything else is
 * tried as raw DEFLATE around CBOR. Throws with what was wrong.
 */
export function decodePayload(payload: Buffer, hints: PayloadHints = {}): unknown {
  const first = payload[0];
  const isJson =
    hints.contentType === 'application/json' ||
    (hints.contentType === undefined && hints.enc === undefined && first === 0x7b);
  if (isJson) {
    try {
      return JSON.parse(payload.toString('utf8')) as unknown;
    } catch (err) {
      throw new Error(`not JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  const deflated =
    hints.enc === 'deflate' ||
    (hints.enc === undefined && (first === undefined || first < 0xa0 || first > 0xbf));
  let cbor = payload;
  if (deflated) {
    try {
      cbor = inflateRawSync(payload, { maxOutputLength: MAX_INFLATED_BYTES });
    } catch (err) {
      throw new Error(`not DEFLATE: ${(err as Error).message}`, { cause: err });
    }
  }
  return decodeCbor(cbor);
}
