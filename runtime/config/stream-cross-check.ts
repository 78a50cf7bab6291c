import type { DeviceCatalogue } from '../devices/catalogue.js';
import { closestMatch } from '../shared/closest-match.js';
import { parseIsoDuration } from '../shared/iso-duration.js';
import { show, type SchemaIssue } from '../shared/schema-issues.js';
import type { AlarmConfig } from './alarm-schema.js';
import type { SiteConfig } from './schema.js';

/** Litres per hour for one unit of a flow rate, by UN/CEFACT code. */
export const FLOW_TO_LPH: Readonly<Record<string, number>> = { MQH: 1000, L2: 60 };
/** Litres for one unit of a volume, by UN/CEFACT code. */
export const VOLUME_TO_L: Readonly<Record<string, number>> = { LTR: 1, MTQ: 1000 };

/** Pressure units a pressure alarm reads, by UN/CEFACT code (bar, kPa, psi, metres of head). */
const PRESSURE_UNITS = ['BAR', 'KPA', 'PS', 'MTR'];

/** The streams an alarm reads, with the field each comes from and the units it accepts. */
export function alarmStreams(
  a: AlarmConfig,
): { field: string; stream: string; units?: string[] }[] {
  switch (a.type) {
    case 'sensor':
    case 'tamper':
    case 'unusual':
      return [{ field: 'stream', stream: a.stream }];
    case 'pressure':
      return [{ field: 'stream', stream: a.stream, units: PRESSURE_UNITS }];
    case 'water-meter': {
      const out: { field: string; stream: string; units?: string[] }[] = [];
      if (a.volume)
        out.push({ field: 'volume', stream: a.volume, units: Object.keys(VOLUME_TO_L) });
      if (a.flow) out.push({ field: 'flow', stream: a.flow, units: Object.keys(FLOW_TO_LPH) });
      return out;
    }
    case 'lamp-circuit':
      return [
        { field: 'power', stream: a.power, units: ['WTT'] },
        { field: 'relay', stream: a.relay },
        ...(a.voltage ? [{ field: 'voltage', stream: a.voltage, units: ['VLT'] }] : []),
        ...(a.powerFactor ? [{ field: 'powerFactor', stream: a.powerFactor }] : []),
      ];
  }
}

/** Alarms must read streams that exist, in units they understand, at a configured window. */
export function alarmIssues(config: SiteConfig, catalogue: DeviceCatalogue): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const lengths = config.windows.lengths;
  const ids = new Map<string, number>();
  config.alarms.forEach((a, i) => {
    const at = (...p: (string | number)[]): (string | number)[] => ['alarms', i, ...p];
    const first = ids.get(a.id);
    if (first !== undefined)
      issues.push({
        path: at('id'),
        problem: `${show(a.id)} is already the id of alarm ${first}`,
        allowed: 'each id once',
      });
    else ids.set(a.id, i);
    if (!lengths.includes(a.window) || parseIsoDuration(a.window) === undefined)
      issues.push({
        path: at('window'),
        problem: `${show(a.window)} is not one of windows.lengths`,
        allowed: `one of ${lengths.map((l) => show(l)).join(', ')} (or add it to windows.lengths)`,
      });
    if (a.type === 'water-meter' && a.window !== 'PT1H')
      issues.push({
        path: at('window'),
        problem: `${show(a.window)}: water-meter alarms judge hourly use`,
        allowed: '"PT1H" (and PT1H in windows.lengths)',
      });
    if (a.type === 'water-meter' && Boolean(a.volume) === Boolean(a.flow))
      issues.push({
        path: at(),
        problem: 'a water meter alarm reads either a volume or a flow stream',
        allowed: 'volume: device/point (litres per reading) or flow: device/point (a flow rate)',
      });
    for (const s of alarmStreams(a)) {
      const [deviceId = '', point = ''] = s.stream.split('/');
      const device = config.devices.find((d) => d.id === deviceId);
      if (!device) {
        const guess = closestMatch(
          deviceId,
          config.devices.map((d) => d.id),
        );
        issues.push({
          path: at(s.field),
          problem: `no device ${show(deviceId)}${guess ? ` (did you mean ${show(guess)}?)` : ''}`,
          allowed: 'device/point of a configured device',
        });
        continue;
      }
      const profile = catalogue.get(device.profile);
      const p = profile?.points.find((x) => x.name === point);
      const offered = (device.points ?? profile?.points.map((x) => x.name) ?? []).filter(Boolean);
      if (!p || !offered.includes(point)) {
        issues.push({
          path: at(s.field),
          problem: `${deviceId} has no point ${show(point)}`,
          allowed: `one of ${offered.join(', ')}`,
        });
        continue;
      }
      if (s.units && !s.units.includes(p.unit))
        issues.push({
          path: at(s.field),
          problem: `${s.stream} is in ${p.unit}; a ${a.type} ${s.field} must be in ${s.units.join(' or ')}`,
          allowed: `a point in ${s.units.join(' or ')}`,
        });
    }
  });
  return issues;
}

/** A model's features must be streams of configured devices, read at a configured window. */
export function modelIssues(config: SiteConfig, catalogue: DeviceCatalogue): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  config.models.forEach((m, i) => {
    if (m.window !== undefined && !config.windows.lengths.includes(m.window))
      issues.push({
        path: ['models', i, 'window'],
        problem: `${show(m.window)} is not one of windows.lengths`,
        allowed: `one of ${config.windows.lengths.map((l) => show(l)).join(', ')}`,
      });
    m.features?.forEach((stream, j) => {
      const [deviceId = '', point = ''] = stream.split('/');
      const device = config.devices.find((d) => d.id === deviceId);
      const offered = device
        ? (device.points ?? catalogue.get(device.profile)?.points.map((p) => p.name) ?? [])
        : [];
      if (!device || !offered.includes(point))
        issues.push({
          path: ['models', i, 'features', j],
          problem: device
            ? `${deviceId} has no point ${show(point)}`
            : `no device ${show(deviceId)}`,
          allowed: device ? `one of ${offered.join(', ')}` : 'device/point of a configured device',
        });
    });
  });
  return issues;
}

/**
 * A crowd zone is seen by a configured thermal array or counted by a people counter's point (a
 * count, unit C62), never both, and has an id of its own.
 */
export function crowdIssues(config: SiteConfig, catalogue: DeviceCatalogue): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const ids = new Set(config.devices.map((d) => d.id));
  config.crowd.zones.forEach((z, i) => {
    const at = (...p: (string | number)[]): (string | number)[] => ['crowd', 'zones', i, ...p];
    if ((z.thermal === undefined) === (z.counter === undefined))
      issues.push({
        path: at(),
        problem: z.thermal
          ? 'a zone is seen by one source: both thermal and counter are given'
          : 'a zone needs a source: neither thermal nor counter is given',
        allowed: 'thermal: <gy-mcu90640 device> or counter: <device>/<point>',
      });
    if (z.thermal !== undefined) {
      const device = config.devices.find((d) => d.id === z.thermal);
      const profile = device ? catalogue.get(device.profile) : undefined;
      if (!device || profile?.id !== 'gy-mcu90640')
        issues.push({
          path: at('thermal'),
          problem: device
            ? `${show(z.thermal)} is a ${device.profile}, not a thermal array`
            : `no device ${show(z.thermal)}`,
          allowed: `a gy-mcu90640 device (${
            config.devices
              .filter((d) => d.profile === 'gy-mcu90640')
              .map((d) => d.id)
              .join(', ') || 'none configured'
          })`,
        });
    }
    if (z.counter !== undefined) {
      const [deviceId = '', point = ''] = z.counter.split('/');
      const device = config.devices.find((d) => d.id === deviceId);
      const profile = device ? catalogue.get(device.profile) : undefined;
      const offered = device ? (device.points ?? profile?.points.map((p) => p.name) ?? []) : [];
      const unit = profile?.points.find((p) => p.name === point)?.unit;
      if (!device || !offered.includes(point))
        issues.push({
          path: at('counter'),
          problem: device
            ? `${deviceId} has no point ${show(point)}`
            : `no device ${show(deviceId)}`,
          allowed: device
            ? `one of ${offered.join(', ')}`
            : 'device/point of a configured people counter',
        });
      else if (unit !== 'C62')
        issues.push({
          path: at('counter'),
          problem: `${z.counter} is in ${String(unit)}, not a count of people`,
          allowed: 'a point in C62 (a count), such as peopleInView',
        });
    }
    if (ids.has(z.id))
      issues.push({
        path: at('id'),
        problem: `${show(z.id)} is already a device or zone id`,
        allowed: 'an id of its own: its readings are <id>/peopleCount, …',
      });
    ids.add(z.id);
  });
  return issues;
}
