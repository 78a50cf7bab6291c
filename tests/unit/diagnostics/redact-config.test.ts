import { describe, expect, it } from 'vitest';
import { redactConfigText } from '../../../runtime/diagnostics/diagnostics.js';

describe('redactConfigText', () => {
  it('removes secret values and URL credentials, and keeps paths to secret files', () => {
    const { text, redacted } = redactConfigText(
      [
        'upstream:',
        '  url: mqtts://lp1:hunter2@broker.example:8883',
        '  username: lp1',
        '  passwordFile: /var/lib/edge-gw/secrets/mqtt-password',
        '  password: hunter2',
        '  options: { token: abc123, id: x }',
        '"credentialSecret": "deadbeef",',
        "apiKey: 'k-42' # a comment",
      ].join('\n'),
    );
    expect(text).not.toMatch(/hunter2|abc123|deadbeef|k-42/);
    expect(text).toContain('url: mqtts://REDACTED@broker.example:8883');
    expect(text).toContain('passwordFile: /var/lib/edge-gw/secrets/mqtt-password');
    expect(text).toContain('username: lp1');
    expect(text).toContain('options: { token: "REDACTED", id: x }');
    expect(text).toContain('"credentialSecret": "REDACTED",');
    expect(redacted).toBe(5);
  });
});
