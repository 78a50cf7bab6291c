import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DocumentError, readDocument, type LocatedIssue } from '../shared/document.js';
import { fillDefaults } from '../shared/fill-defaults.js';
import { packageRoot } from '../shared/package-root.js';
import { schemaIssues, show, type SchemaIssue } from '../shared/schema-issues.js';
import { CODECS } from './codecs.js';
import { GPIO_FIELDS } from './gpio-fields.js';
import {
  ProfileSchema,
  registerCount,
  type DeviceProfile,
  type FramedProfile,
  type GpioProfile,
  type ModbusProfile,
} from './profile-schema.js';

export const PROFILE_KIND = 'device profile';

/** The catalogue of device profiles: one folder per device model under `devices/`, each with a
 * `profile.json`. Profiles are data; adding a Modbus device adds a folder, not code. */
export class DeviceCatalogue {
  private constructor(private readonly profiles: ReadonlyMap<string, DeviceProfile>) {}

  static fromProfiles(profiles: readonly DeviceProfile[]): DeviceCatalogue {
    return new DeviceCatalogue(new Map(profiles.map((p) => [p.id, p])));
  }

  /** Loads and validates every profile; any invalid profile fails the whole load with its
   * file, point and field, because a gateway must not run half a catalogue. */
  static load(dir: string = defaultDevicesDir()): DeviceCatalogue {
    const profiles: DeviceProfile[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const file = join(dir, entry.name, 'profile.json');
      if (!existsSync(file)) continue;
      profiles.push(loadProfile(file, entry.name));
    }
    return DeviceCatalogue.fromProfiles(profiles);
  }

  get(id: string): DeviceProfile | undefined {
    return this.profiles.get(id);
  }

  /** The profile, which must exist and be of `kind` (a config that passed its checks). */
  require<K extends DeviceProfile['kind']>(
    id: string,
    kind: K,
  ): Extract<DeviceProfile, { kind: K }> {
    const profile = this.profiles.get(id);
    if (!profile || profile.kind !== kind) throw new Error(`no ${kind} profile named ${id}`);
    return profile as Extract<DeviceProfile, { kind: K }>;
  }

  ids(): string[] {
    return [...this.profiles.keys()].sort();
  }

  all(): DeviceProfile[] {
    return this.ids().map((id) => this.profiles.get(id) as DeviceProfile);
  }
}

export function defaultDevicesDir(): string {
  return join(packageRoot(), 'devices');
}

export function loadProfile(file: string, folderName?: string): DeviceProfile {
  const doc = readDocument(file, PROFILE_KIND);
  const data = fillDefaults(ProfileSchema, doc.data);
  const issues: LocatedIssue[] = schemaIssues(ProfileSchema, data);
  if (issues.length === 0) {
    const profile = data as DeviceProfile;
    if (folderName !== undefined && profile.id !== folderName)
      issues.push({
        path: ['id'],
        problem: `${show(profile.id)} differs from its folder name`,
        allowed: show(folderName),
      });
    const names = new Set<string>();
    profile.points.forEach((point, i) => {
      if (names.has(point.name))
        issues.push({
          path: ['points', i, 'name'],
          problem: `duplicate point name ${show(point.name)}`,
          allowed: 'a name used once per profile',
        });
      names.add(point.name);
    });
    if (profile.kind === 'modbus') issues.push(...modbusIssues(profile));
    else if (profile.kind === 'framed') issues.push(...framedIssues(profile));
    else issues.push(...gpioIssues(profile));
  }
  if (issues.length > 0)
    throw new DocumentError(
      file,
      PROFILE_KIND,
      issues.map((i) => ({ ...i, ...doc.locate(i.path, i.atKey) })),
    );
  return data as DeviceProfile;
}

function modbusIssues(profile: ModbusProfile): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  profile.points.forEach((point, i) => {
    if (point.address + registerCount(point.type) > 65536)
      issues.push({
        path: ['points', i, 'address'],
        problem: `a ${point.type} at ${point.address} runs past the last register`,
        allowed: 'an address that leaves room for the whole value',
      });
    if (point.bits) {
      if (registerCount(point.type) !== 1)
        issues.push({
          path: ['points', i, 'bits'],
          problem: `bit ranges apply to 16-bit registers, not ${point.type}`,
          allowed: 'type uint16 or int16',
        });
      if (point.bits.from > point.bits.to)
        issues.push({
          path: ['points', i, 'bits'],
          problem: `from ${point.bits.from} is above to ${point.bits.to}`,
          allowed: 'from ≤ to',
        });
    }
  });
  return issues;
}

function framedIssues(profile: FramedProfile): SchemaIssue[] {
  const codec = CODECS.get(profile.codec);
  if (!codec)
    return [
      {
        path: ['codec'],
        problem: `no codec named ${show(profile.codec)}`,
        allowed: `one of ${[...CODECS.keys()].map((c) => show(c)).join(', ')}`,
      },
    ];
  const issues: SchemaIssue[] = [];
  profile.points.forEach((point, i) => {
    if (!codec.fields.includes(point.field))
      issues.push({
        path: ['points', i, 'field'],
        problem: `${codec.id} decodes no field ${show(point.field)}`,
        allowed: `one of ${codec.fields.join(', ')}`,
      });
  });
  return issues;
}

function gpioIssues(profile: GpioProfile): SchemaIssue[] {
  const fields = GPIO_FIELDS[profile.role];
  const issues: SchemaIssue[] = [];
  profile.points.forEach((point, i) => {
    if (!fields.includes(point.field))
      issues.push({
        path: ['points', i, 'field'],
        problem: `a ${profile.role} line has no field ${show(point.field)}`,
        allowed: `one of ${fields.join(', ')}`,
      });
  });
  return issues;
}
