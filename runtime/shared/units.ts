/**
 * UN/CEFACT Recommendation 20 common codes used by device profiles, with the symbol shown to
 * people. Records carry the code (`u`), as the FIWARE Smart Data Models require; the symbol is
 * only for humans (the demo, the status page).
 */
export const UNIT_SYMBOLS = {
  VLT: 'V',
  AMP: 'A',
  WTT: 'W',
  KWT: 'kW',
  D46: 'VA',
  KWH: 'kWh',
  HTZ: 'Hz',
  C62: '',
  P1: '%',
  CEL: '°C',
  MQH: 'm³/h',
  MTS: 'm/s',
  L2: 'l/min',
  MTQ: 'm³',
  LTR: 'l',
  GQ: 'µg/m³',
  MMT: 'mm',
  MTR: 'm',
  BAR: 'bar',
  KPA: 'kPa',
  SEC: 's',
} as const;

export type UnitCode = keyof typeof UNIT_SYMBOLS;

export const UNIT_CODES = Object.keys(UNIT_SYMBOLS) as UnitCode[];

export function unitSymbol(code: string): string {
  return (UNIT_SYMBOLS as Record<string, string>)[code] ?? code;
}
