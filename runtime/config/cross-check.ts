import { existsSync } from 'node:fs';
import type { DeviceCatalogue } from '../devices/catalogue.js';
import { alarmIssues, crowdIssues, modelIssues } from './stream-cross-check.js';
import { isLoopback } from '../shared/loopback.js';
import { closestMatch } from '../shared/closest-match.js';
import { formatIsoDuration, parseIsoDuration, tilesADay } from '../shared/iso-duration.js';
import { show, type SchemaIssue } from '../shared/schema-issues.js';
import type { DeviceProfile } from '../devices/profile-schema.js';
import type { DeviceConfig, SiteConfig } from './schema.js';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

function suggestion(word: string, candidates: readonly string[]): string {
  const guess = closestMatch(word, candidates);
  return guess ? ` (did you mean ${show(guess)}?)` : '';
}

function duplicates<T>(
  items: readonly T[],
  key: (t: T) => string,
  path: (i: number) => (string | number)[],
  what: string,
): SchemaIssue[] {
  const seen = new Map<string, number>();
  const out: SchemaIssue[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first !== undefined)
      out.push({
        path: path(i),
        problem: `${show(k)} is already the ${what} of item ${first}`,
        allowed: `each ${what} once`,
      });
    else seen.set(k, i);
  });
  return out;
}

/** Rules that tie one part of the config to another or to the world outside the file. */
export function crossCheck(config: SiteConfig, catalogue: DeviceCatalogue): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  issues.push(
    ...duplicates(
      config.buses,
      (b) => b.id,
      (i) => ['buses', i, 'id'],
      'id',
    ),
  );
  issues.push(
    ...duplicates(
      config.devices,
      (d) => d.id,
      (i) => ['devices', i, 'id'],
      'id',
    ),
  );
  issues.push(
    ...duplicates(
      config.models,
      (m) => m.name,
      (i) => ['models', i, 'name'],
      'name',
    ),
  );

  const busIds = config.buses.map((b) => b.id);
  config.devices.forEach((device, i) => {
    const bus = config.buses.find((b) => b.id === device.bus);
    if (!bus)
      issues.push({
        path: ['devices', i, 'bus'],
        problem: `no bus has the id ${show(device.bus)}${suggestion(device.bus, busIds)}`,
        allowed: `one of ${busIds.map((b) => show(b)).join(', ')}`,
      });
    const profile = catalogue.get(device.profile);
    if (!profile) {
      issues.push({
        path: ['devices', i, 'profile'],
        problem: `unknown profile ${show(device.profile)}${suggestion(device.profile, catalogue.ids())}`,
        allowed: `one of ${catalogue
          .ids()
          .map((p) => show(p))
          .join(', ')}`,
      });
      return;
    }
    if (bus && !(profile.links as readonly string[]).includes(bus.type))
      issues.push({
        path: ['devices', i, 'bus'],
        problem: `${profile.id} cannot be reached over bus ${show(bus.id)}, which is ${bus.type}`,
        allowed: `a bus of type ${profile.links.join(' or ')}`,
      });
    issues.push(...deviceFieldIssues(device, i, profile));
    const names = profile.points.map((p) => p.name);
    device.points?.forEach((point, j) => {
      if (!names.includes(point))
        issues.push({
          path: ['devices', i, 'points', j],
          problem: `${profile.id} has no point ${show(point)}${suggestion(point, names)}`,
          allowed: `one of ${names.join(', ')}`,
        });
    });
  });

  issues.push(...busSharingIssues(config));
  issues.push(...alarmIssues(config, catalogue));
  issues.push(...modelIssues(config, catalogue));
  issues.push(...crowdIssues(config, catalogue));

  const lengths = new Map<number, number>();
  config.windows.lengths.forEach((text, i) => {
    const ms = parseIsoDuration(text);
    const path = ['windows', 'lengths', i];
    if (ms === undefined || !tilesADay(ms)) {
      issues.push({
        path,
        problem:
          ms === undefined
            ? `${show(text)} is not an ISO-8601 duration`
            : `${show(text)} does not divide a day into whole windows`,
        allowed: 'a duration from PT1S to P1D that divides a day, e.g. PT1M, PT5M, PT15M, PT1H',
      });
      return;
    }
    const first = lengths.get(ms);
    if (first !== undefined)
      issues.push({
        path,
        problem: `${show(text)} is the same length as item ${first} (${formatIsoDuration(ms)})`,
        allowed: 'each window length once',
      });
    else lengths.set(ms, i);
  });

  issues.push(...storeIssues(config, [...lengths.keys()]));
  issues.push(...checkUpstream(config));
  if (config.statusPage.open && !isLoopback(config.statusPage.bind))
    issues.push({
      path: ['statusPage', 'open'],
      problem: `the status page is open (no login) on ${config.statusPage.bind}, which other machines can reach`,
      allowed: 'open: true only with bind 127.0.0.1 or ::1; otherwise the editor login protects it',
    });

  config.models.forEach((model, i) => {
    if (model.enabled && !existsSync(model.bundle))
      issues.push({
        path: ['models', i, 'bundle'],
        problem: `no model bundle at ${model.bundle}`,
        allowed: 'a folder holding model.json and card.json',
      });
  });
  return issues;
}

function checkUpstream(config: SiteConfig): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const up = config.upstream;
  const url = new URL(up.url);
  if (url.username || url.password)
    issues.push({
      path: ['upstream', 'url'],
      problem: 'holds credentials, which would end up in logs and backups',
      allowed: 'a URL without user:password; use upstream.username and upstream.passwordFile',
    });
  const secure = url.protocol === 'mqtts:' || url.protocol === 'ssl:';
  if (up.tls && !secure)
    issues.push({
      path: ['upstream', 'url'],
      problem: `tls is configured but the URL uses ${url.protocol}//`,
      allowed: 'an mqtts:// URL',
    });
  if (!secure && !LOOPBACK.test(url.hostname) && !up.allowPlaintext)
    issues.push({
      path: ['upstream', 'url'],
      problem: `plain MQTT to ${url.hostname} would send data and credentials unencrypted`,
      allowed: 'an mqtts:// URL, or upstream.allowPlaintext: true on a trusted network',
    });
  if (up.passwordFile && !up.username)
    issues.push({
      path: ['upstream', 'passwordFile'],
      problem: 'a password without a username',
      allowed: 'upstream.username as well',
    });
  const files: [string, string | undefined][] = [
    ['passwordFile', up.passwordFile],
    ['tls.ca', up.tls?.ca],
    ['tls.cert', up.tls?.cert],
    ['tls.key', up.tls?.key],
    ['commands.hmacKeyFile', up.commands?.hmacKeyFile],
    ['commands.ed25519PublicKeyFile', up.commands?.ed25519PublicKeyFile],
  ];
  for (const [field, path] of files) {
    if (path && !existsSync(path))
      issues.push({
        path: ['upstream', ...field.split('.')],
        problem: `file not found: ${path}`,
        allowed: "an existing file (relative paths start at the config file's folder)",
      });
  }
  if (up.commands && !up.commands.hmacKeyFile && !up.commands.ed25519PublicKeyFile)
    issues.push({
      path: ['upstream', 'commands'],
      problem: 'no key to check commands against, so every command would be refused',
      allowed: 'commands.hmacKeyFile and/or commands.ed25519PublicKeyFile',
    });
  if (up.tls && Boolean(up.tls.cert) !== Boolean(up.tls.key))
    issues.push({
      path: ['upstream', 'tls'],
      problem: 'a client certificate needs its key, and a key its certificate',
      allowed: 'both tls.cert and tls.key, or neither',
    });
  return issues;
}

/** Fields that only some kinds of device take, and what a kind cannot do without. */
function deviceFieldIssues(device: DeviceConfig, i: number, profile: DeviceProfile): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const at = (field: string): (string | number)[] => ['devices', i, field];
  if (profile.kind === 'gpio') {
    if (device.pin === undefined)
      issues.push({
        path: ['devices', i],
        problem: `a ${profile.role} device needs its pin`,
        allowed: 'pin: the GPIO line number',
      });
    if (
      profile.role === 'pulse-in' &&
      device.litresPerPulse === undefined &&
      profile.defaults.litresPerPulse === undefined
    )
      issues.push({
        path: ['devices', i],
        problem: 'a pulse meter needs its litres per pulse',
        allowed: 'litresPerPulse: a number above 0',
      });
    if (device.unitId !== undefined)
      issues.push({
        path: at('unitId'),
        problem: 'a GPIO line has no unit id',
        allowed: 'no unitId',
      });
  } else {
    for (const field of ['pin', 'activeLow', 'litresPerPulse'] as const)
      if (device[field] !== undefined)
        issues.push({
          path: at(field),
          problem: `${field} applies to GPIO devices; ${profile.id} is ${profile.kind === 'modbus' ? 'a Modbus' : 'a serial'} device`,
          allowed: `no ${field}`,
        });
    if (profile.kind === 'framed' && device.unitId !== undefined)
      issues.push({
        path: at('unitId'),
        problem: `${profile.id} is not addressed by unit id`,
        allowed: 'no unitId',
      });
  }
  if (device.controls !== undefined && !(profile.kind === 'gpio' && profile.role === 'relay-out'))
    issues.push({
      path: at('controls'),
      problem: `controls applies to relay outputs; ${profile.id} is not one`,
      allowed: 'no controls',
    });
  if (device.litresPerPulse !== undefined && profile.kind === 'gpio' && profile.role !== 'pulse-in')
    issues.push({
      path: at('litresPerPulse'),
      problem: `litresPerPulse applies to pulse meters; ${profile.id} is a ${profile.role}`,
      allowed: 'no litresPerPulse',
    });
  return issues;
}

/** What devices on the same bus must not share: a UART carries one device, an RS-485 line
 * one device per unit id, a GPIO chip one device per pin. */
function busSharingIssues(config: SiteConfig): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  for (const bus of config.buses) {
    const devices = config.devices.map((d, i) => ({ d, i })).filter(({ d }) => d.bus === bus.id);
    if (bus.type === 'serial' && devices.length > 1)
      for (const { i } of devices.slice(1))
        issues.push({
          path: ['devices', i, 'bus'],
          problem: `serial bus ${show(bus.id)} already carries ${show(devices[0]?.d.id)}; a UART connects one device`,
          allowed: 'a bus of its own',
        });
    const key = bus.type === 'gpio' ? 'pin' : bus.type === 'serial' ? undefined : 'unitId';
    if (!key) continue;
    const seen = new Map<number, string>();
    for (const { d, i } of devices) {
      const value = key === 'pin' ? d.pin : d.unitId;
      if (value === undefined) continue;
      const other = seen.get(value);
      if (other !== undefined)
        issues.push({
          path: ['devices', i, key],
          problem: `${key} ${value} on bus ${show(bus.id)} is already ${show(other)}'s`,
          allowed: `a ${key} used once per bus`,
        });
      else seen.set(value, d.id);
    }
  }
  return issues;
}

/** Durations and shares of the store and windows that the schema alone cannot check. */
function storeIssues(config: SiteConfig, lengthsMs: number[]): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const duration = (path: (string | number)[], text: string): number | undefined => {
    const ms = parseIsoDuration(text);
    if (ms === undefined)
      issues.push({
        path,
        problem: `${show(text)} is not an ISO-8601 duration`,
        allowed: 'e.g. PT30S, PT5M, PT1H, P1D',
      });
    return ms;
  };
  duration(['windows', 'grace'], config.windows.grace);
  duration(['store', 'keepAcked'], config.store.keepAcked);
  const compactTo = duration(['store', 'compactTo'], config.store.compactTo);
  if (compactTo !== undefined) {
    const finest = Math.min(...lengthsMs);
    if (!tilesADay(compactTo) || lengthsMs.some((l) => l < compactTo && compactTo % l !== 0))
      issues.push({
        path: ['store', 'compactTo'],
        problem: `${show(config.store.compactTo)} is not a whole number of every shorter window length`,
        allowed: `a duration that divides a day and is a multiple of ${formatIsoDuration(finest)}, e.g. PT1H`,
      });
  }
  const { raw, summaries, events } = config.store.shares;
  if (raw + summaries + events > 1.000001)
    issues.push({
      path: ['store', 'shares'],
      problem: `the shares add up to ${raw + summaries + events}, more than the whole budget`,
      allowed: 'raw + summaries + events ≤ 1',
    });
  return issues;
}
