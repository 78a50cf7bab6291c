import { statfsSync } from 'node:fs';
import type { ClockState } from '../clock/clock.js';
import type { GatewayStatus } from '../gateway/gateway.js';
import type { HistorySnapshot } from './status-history.js';

/** Everything the status page, `edge-gw status` and `/metrics` show: the JSON of `/api/status`. */
export interface StatusReport extends GatewayStatus {
  version: string;
  /** When the report was made (the gateway's wall clock), ms. */
  generatedMs: number;
  uptimeS: number;
  clock: { state: ClockState; wallMs: number; bootId: string };
  /** The file system holding the data directory; null where it cannot be read. */
  disk: { path: string; freeBytes: number; totalBytes: number } | null;
  history: HistorySnapshot;
}

export function diskOf(path: string): StatusReport['disk'] {
  try {
    const s = statfsSync(path);
    return { path, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}
