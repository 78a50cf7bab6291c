/** How long something lasts, as a person reads it: `45 s`, `12 min`, `3.5 h`, `2.0 d`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/** How long ago `ms` was at `now` (`12 s ago`), or `never`. */
export function ago(ms: number | null, now: number): string {
  return ms === null ? 'never' : `${duration(now - ms)} ago`;
}

/** `1 device`, `3 devices`; `many` for irregular plurals (`buses`). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
