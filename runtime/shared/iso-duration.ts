/**
 * Window lengths are written as ISO-8601 durations (`PT1M`, `PT15M`, `PT1H`, `P1D`), the form the
 * Smart Data Models and OPC UA use. Only days, hours, minutes and seconds: months and years have
 * no fixed length and cannot be UTC-aligned tumbling windows.
 */
const PATTERN = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Milliseconds in the duration, or undefined when it is not of the supported form. */
export function parseIsoDuration(text: string): number | undefined {
  const m = PATTERN.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [, d, h, min, s] = m;
  const ms =
    Number(d ?? 0) * DAY +
    Number(h ?? 0) * HOUR +
    Number(min ?? 0) * MINUTE +
    Number(s ?? 0) * SECOND;
  return ms > 0 ? ms : undefined;
}

/** The canonical spelling of a duration (`PT60S` and `PT1M` both become `PT1M`), so record keys
 * built from it never differ for the same window. */
export function formatIsoDuration(ms: number): string {
  let rest = ms;
  const days = Math.floor(rest / DAY);
  rest -= days * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = Math.floor(rest / SECOND);
  let time = '';
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (seconds) time += `${seconds}S`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/** A tumbling window can be UTC-aligned only if whole windows tile a day exactly. */
export function tilesADay(ms: number): boolean {
  return ms >= SECOND && ms <= DAY && ms % SECOND === 0 && DAY % ms === 0;
}
