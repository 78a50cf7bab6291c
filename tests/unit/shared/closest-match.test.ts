import { describe, expect, it } from 'vitest';
import { closestMatch } from '../../../runtime/shared/closest-match.js';

describe('closestMatch', () => {
  it('suggests near misses and nothing for unrelated words', () => {
    expect(closestMatch('devcies', ['devices', 'buses', 'windows'])).toBe('devices');
    expect(closestMatch('modbus-tpc', ['modbus-tcp', 'modbus-rtu'])).toBe('modbus-tcp');
    expect(closestMatch('Devices', ['devices'])).toBe('devices');
    expect(closestMatch('zebra', ['devices', 'buses'])).toBeUndefined();
  });
});
