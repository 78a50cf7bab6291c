const DAY = 86_400_000;

/** Easter Sunday of `year` (Gregorian; the anonymous algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return Date.UTC(year, month - 1, day);
}

/** The `n`th `weekday` (0 = Sunday) of a month, as a day's midnight (UTC-naive). */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  const first = Date.UTC(year, month, 1);
  const offset = (weekday - new Date(first).getUTCDay() + 7) % 7;
  return first + (offset + 7 * (n - 1)) * DAY;
}

/** A fixed-date holiday and, when it falls on a weekend, the Monday (or Tuesday) given instead. */
function withSubstitute(day: number, taken: Set<number>): number[] {
  const dow = new Date(day).getUTCDay();
  let sub = dow === 6 ? day + 2 * DAY : dow === 0 ? day + DAY : undefined;
  while (sub !== undefined && taken.has(sub)) sub += DAY;
  return sub === undefined ? [day] : [day, sub];
}

/**
 * Public holidays in Victoria (metropolitan Melbourne) for `year`, as days' midnights in local
 * naive time: New Year's Day, Australia Day, Labour Day (second Monday of March), Good Friday to
 * Easter Monday (Easter Sunday from 2016), Anzac Day, the Queen's Birthday (second Monday of
 * June), Melbourne Cup day (first Tuesday of November), Christmas and Boxing Day, with the
 * substitute days the Public Holidays Act gives. The AFL Grand Final Friday (from 2015) is set
 * each year by the government and is not included.
 */
export function victorianHolidays(year: number): number[] {
  const days = new Set<number>();
  const add = (list: number[]): void => list.forEach((d) => days.add(d));
  add(withSubstitute(Date.UTC(year, 0, 1), days));
  add(withSubstitute(Date.UTC(year, 0, 26), days));
  days.add(nthWeekday(year, 2, 1, 2));
  const easter = easterSunday(year);
  days.add(easter - 2 * DAY);
  days.add(easter - DAY);
  if (year >= 2016) days.add(easter);
  days.add(easter + DAY);
  days.add(Date.UTC(year, 3, 25));
  days.add(nthWeekday(year, 5, 1, 2));
  days.add(nthWeekday(year, 10, 2, 1));
  const christmas = Date.UTC(year, 11, 25);
  const boxing = Date.UTC(year, 11, 26);
  add(withSubstitute(christmas, new Set([boxing])));
  add(withSubstitute(boxing, days));
  return [...days].sort((a, b) => a - b);
}
