import { a02yyuwCodec } from '../../devices/dfrobot-a02yyuw/codec.js';
import { gyMcu90640Codec } from '../../devices/gy-mcu90640/codec.js';
import { sds011Codec } from '../../devices/nova-sds011/codec.js';
import { pms5003Codec } from '../../devices/plantower-pms5003/codec.js';
import type { FrameCodec } from '../drivers/serial/frame-codec.js';

/** Every framed-serial codec, by the name profiles use. A new framed device adds its codec
 * here; a Modbus device needs none. */
export const CODECS: ReadonlyMap<string, FrameCodec> = new Map(
  [pms5003Codec, sds011Codec, a02yyuwCodec, gyMcu90640Codec].map((c) => [c.id, c]),
);
