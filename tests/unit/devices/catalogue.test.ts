import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DeviceCatalogue,
  defaultDevicesDir,
  loadProfile,
} from '../../../runtime/devices/catalogue.js';
import { CODECS } from '../../../runtime/devices/codecs.js';
import { hasValidCrc } from '../../../runtime/drivers/modbus/crc16.js';
import { decodePoint } from '../../../runtime/drivers/modbus/register-codec.js';
import { simulatedProfiles } from '../../../scripts/simulators/device-models.js';
import { tempDir } from '../../harness/temp-dir.js';

interface Vector {
  name: string;
  direction: 'request' | 'response' | 'device-to-host' | 'host-to-device';
  hex: string;
  unitId?: number;
  function?: number;
  address?: number;
  count?: number;
  point?: string;
  value?: number;
  fields?: Record<string, number>;
  command?: string;
}

const catalogue = DeviceCatalogue.load();
const folders = readdirSync(defaultDevicesDir(), { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(defaultDevicesDir(), e.name, 'profile.json')))
  .map((e) => e.name);
const bytes = (hex: string): Buffer => Buffer.from(hex.replace(/\s+/g, ''), 'hex');

describe('the device catalogue', () => {
  it('loads every profile folder, the whole first catalogue among them', () => {
    expect(catalogue.ids()).toEqual([...folders].sort());
    for (const id of [
      'eastron-sdm120',
      'eastron-sdm630',
      'plantower-pms5003',
      'nova-sds011',
      'tuf-2000m',
      'gy-mcu90640',
      'dfrobot-urm14',
      'dfrobot-a02yyuw',
    ])
      expect(catalogue.ids()).toContain(id);
  });

  it('has a simulator for every Modbus and serial device', () => {
    const wired = catalogue
      .all()
      .filter((p) => p.kind !== 'gpio')
      .map((p) => p.id);
    expect(simulatedProfiles()).toEqual(wired.sort());
  });

  describe.each(folders)('%s', (folder) => {
    const profile = catalogue.get(folder);
    if (!profile) throw new Error(`${folder} did not load`);
    const vectorsFile = join(defaultDevicesDir(), folder, 'vectors.json');
    const vectors = existsSync(vectorsFile)
      ? (JSON.parse(readFileSync(vectorsFile, 'utf8')) as { frames: Vector[] }).frames
      : [];

    it('has golden wire vectors (every device with a wire)', () => {
      if (profile.kind === 'gpio') expect(vectors).toEqual([]);
      else expect(vectors.length).toBeGreaterThan(0);
    });

    it.each(vectors.map((v) => [v.name, v] as const))(
      'vector %s matches the profile and codec',
      (_name, v) => {
        const frame = bytes(v.hex);
        if (profile.kind === 'modbus') {
          expect(hasValidCrc(frame)).toBe(true);
          expect(frame[0]).toBe(v.unitId);
          expect(frame[1]).toBe(v.function);
          if (v.direction === 'request') {
            expect(frame.readUInt16BE(2)).toBe(v.address);
            expect(frame.readUInt16BE(4)).toBe(v.count);
            return;
          }
          const point = profile.points.find((p) => p.name === v.point);
          if (!point || v.value === undefined || v.address === undefined)
            throw new Error(`vector ${v.name} names no point`);
          const data = frame.subarray(3, 3 + (frame[2] ?? 0));
          expect(decodePoint(data, v.address, point).value).toBeCloseTo(v.value, 4);
          return;
        }
        if (profile.kind !== 'framed') throw new Error('GPIO has no wire vectors');
        const codec = CODECS.get(profile.codec);
        if (!codec) throw new Error(`no codec ${profile.codec}`);
        if (v.direction === 'host-to-device') {
          expect(codec.commands[v.command ?? '']?.toString('hex')).toBe(frame.toString('hex'));
          return;
        }
        const expectFields = (got: Record<string, number> | undefined): void => {
          for (const [name, value] of Object.entries(v.fields ?? {}))
            expect(got?.[name]).toBeCloseTo(value, 4);
        };
        // Whole, byte by byte, and behind noise with a header byte in it: one frame each time.
        const whole = codec.createParser().push(frame);
        expect(whole).toHaveLength(1);
        expectFields(whole[0]?.fields);
        const parser = codec.createParser();
        const split = [...frame].flatMap((b) => parser.push(Buffer.from([b])));
        expect(split).toHaveLength(1);
        expectFields(split[0]?.fields);
        const noisy = codec.createParser();
        const afterNoise = noisy.push(
          Buffer.concat([Buffer.from([0x13, frame[0] ?? 0, 0x00]), frame]),
        );
        expect(afterNoise).toHaveLength(1);
        expectFields(afterNoise[0]?.fields);
        expect(noisy.stats.noiseBytes).toBeGreaterThan(0);
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
          kind: 'modbus',
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
      /json:23:15 points\[1\]\.type: "float" is not allowed; allowed: one of "uint16", "int16", "uint32", "int32", "float32"/,
    );
    expect(message).toMatch(
      /json:24:16 points\[1\]\.order: "ABDC" is not allowed; allowed: one of "ABCD", "CDAB", "BADC", "DCBA"/,
    );
    expect(message).toMatch(
      /json:25:15 points\[1\]\.unit: "A" is not allowed; allowed: one of "VLT", "AMP"/,
    );
  });

  it('rejects a framed profile whose points name fields its codec does not decode', () => {
    const dir = join(tempDir(), 'acme-pm');
    mkdirSync(dir);
    const file = join(dir, 'profile.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          id: 'acme-pm',
          kind: 'framed',
          vendor: 'Acme',
          model: 'P',
          description: 'test',
          links: ['serial'],
          codec: 'nova-sds011',
          points: [{ name: 'pm1', field: 'pm1', unit: 'GQ', attribute: 'X.pm1' }],
        },
        null,
        2,
      ),
    );
    expect(() => loadProfile(file, 'acme-pm')).toThrow(
      /points\[0\]\.field: nova-sds011 decodes no field "pm1"; allowed: one of pm25, pm10/,
    );
  });
});
