import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DeviceCatalogue,
  defaultDevicesDir,
  loadProfile,
} from '../../../runtime/devices/catalogue.js';
import { hasValidCrc } from '../../../runtime/drivers/modbus/crc16.js';
import { decodeRegisters } from '../../../runtime/drivers/modbus/register-codec.js';
import { tempDir } from '../../harness/temp-dir.js';

interface Vector {
  name: string;
  direction: 'request' | 'response';
  hex: string;
  unitId: number;
  function: number;
  address?: number;
  count?: number;
  point?: string;
  value?: number;
}

const catalogue = DeviceCatalogue.load();
const folders = readdirSync(defaultDevicesDir(), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

describe('the device catalogue', () => {
  it('loads every profile folder', () => {
    expect(folders.length).toBeGreaterThan(0);
    expect(catalogue.ids()).toEqual(
      folders.filter((f) => existsSync(join(defaultDevicesDir(), f, 'profile.json'))).sort(),
    );
  });

  describe.each(folders)('%s', (folder) => {
    const profile = catalogue.get(folder);
    const vectorsFile = join(defaultDevicesDir(), folder, 'vectors.json');
    const vectors = existsSync(vectorsFile)
      ? (JSON.parse(readFileSync(vectorsFile, 'utf8')) as { frames: Vector[] }).frames
      : [];

    it('has golden wire vectors', () => {
      expect(vectors.length).toBeGreaterThan(0);
    });

    it.each(vectors.map((v) => [v.name, v] as const))(
      'vector %s matches the profile',
      (_name, v) => {
        const frame = Buffer.from(v.hex.replace(/\s+/g, ''), 'hex');
        expect(hasValidCrc(frame)).toBe(true);
        expect(frame[0]).toBe(v.unitId);
        expect(frame[1]).toBe(v.function);
        if (v.direction === 'request') {
          expect(frame.readUInt16BE(2)).toBe(v.address);
          expect(frame.readUInt16BE(4)).toBe(v.count);
          return;
        }
        const point = profile?.points.find((p) => p.name === v.point);
        if (!point || v.value === undefined)
          throw new Error(`vector ${v.name} names no point of the profile`);
        expect(
          decodeRegisters(
            frame.subarray(3, 3 + (frame[2] ?? 0)),
            point.type,
            point.order,
            point.scale,
          ),
        ).toBeCloseTo(v.value, 4);
      },
    );
  });

  it('rejects a bad profile naming the file, the point and the field', () => {
    const dir = join(tempDir(), 'acme-meter');
    mkdirSync(dir);
    const file = join(dir, 'profile.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          id: 'acme-meter',
          vendor: 'Acme',
          model: 'M1',
          description: 'test',
          links: ['modbus-tcp'],
          points: [
            {
              name: 'volts',
              register: 'input',
              address: 0,
              type: 'float32',
              unit: 'VLT',
              attribute: 'X.v',
            },
            {
              name: 'amps',
              register: 'input',
              address: 2,
              type: 'float',
              order: 'ABDC',
              unit: 'A',
              attribute: 'X.a',
            },
          ],
        },
        null,
        2,
      ),
    );
    let message = '';
    try {
      loadProfile(file, 'acme-meter');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`${file} is not a valid device profile (3 problems)`);
    expect(message).toMatch(
      /json:22:15 points\[1\]\.type: "float" is not allowed; allowed: one of "uint16", "int16", "uint32", "int32", "float32"/,
    );
    expect(message).toMatch(
      /json:23:16 points\[1\]\.order: "ABDC" is not allowed; allowed: one of "ABCD", "CDAB", "BADC", "DCBA"/,
    );
    expect(message).toMatch(
      /json:24:15 points\[1\]\.unit: "A" is not allowed; allowed: one of "VLT", "AMP"/,
    );
  });
});
