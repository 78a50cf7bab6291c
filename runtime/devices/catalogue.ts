import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DocumentError, readDocument, type LocatedIssue } from '../shared/document.js';
import { packageRoot } from '../shared/package-root.js';
import { fillDefaults } from '../shared/fill-defaults.js';
import { schemaIssues } from '../shared/schema-issues.js';
import { ProfileSchema, registerCount, type DeviceProfile } from './profile-schema.js';

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

  ids(): string[] {
    return [...this.profiles.keys()].sort();
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
        problem: `${JSON.stringify(profile.id)} differs from its folder name`,
        allowed: JSON.stringify(folderName),
      });
    const names = new Set<string>();
    profile.points.forEach((point, i) => {
      if (names.has(point.name))
        issues.push({
          path: ['points', i, 'name'],
          problem: `duplicate point name ${JSON.stringify(point.name)}`,
          allowed: 'a name used once per profile',
        });
      names.add(point.name);
      if (point.address + registerCount(point.type) > 65536)
        issues.push({
          path: ['points', i, 'address'],
          problem: `a ${point.type} at ${point.address} runs past the last register`,
          allowed: 'an address that leaves room for the whole value',
        });
    });
  }
  if (issues.length > 0)
    throw new DocumentError(
      file,
      PROFILE_KIND,
      issues.map((i) => ({ ...i, ...doc.locate(i.path, i.atKey) })),
    );
  return data as DeviceProfile;
}
