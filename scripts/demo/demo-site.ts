import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DemoSite {
  /** The pre-trained learned detector's bundle; it reads 1-minute windows, so it runs only
   * when the demo's window is PT1M. */
  modelBundle?: string;
  /** The simulated thermal array's serial line, when socat could make one: a crowd zone. */
  thermalPath?: string;
  dataDir: string;
  simulatorPort: number;
  upstreamUrl: string;
  protocol: '5' | '3.1.1';
  window: string;
  pollMs: number;
  /** The Node-RED editor's port; none: no Node-RED. */
  nodeRedPort?: number;
  /** The status page's port (0: any free one); none: no status page. */
  statusPort?: number;
}

/** Writes the demo's site config: the same kind of file a field engineer writes for a real
 * lamp pole, with the simulator standing in for the meter. */
export function writeDemoSite(site: DemoSite): string {
  const file = join(site.dataDir, 'site.yaml');
  writeFileSync(
    file,
    `# Written by the demo (npm start). Check it with: npx edge-gw check --config ${file}
version: 1
gateway:
  id: lp-demo
  name: Demo lamp pole
  dataDir: .
clock:
  # A laptop has no timesyncd flag to read; trust its clock.
  sync: trust-os
buses:
  - id: tcp0
    type: modbus-tcp
    host: 127.0.0.1
    port: ${site.simulatorPort}
${
  site.thermalPath
    ? `  - id: uart0
    type: serial
    path: ${site.thermalPath}
    baudRate: 115200
`
    : ''
}devices:
  - id: lamp1
    profile: eastron-sdm120
    bus: tcp0
    pollMs: ${site.pollMs}
${
  site.thermalPath
    ? `  # A thermal array on the pole, 4 m up, looking down at the pavement.
  - id: cam1
    profile: gy-mcu90640
    bus: uart0
crowd:
  zones:
    # The pavement in view: people counted by the shipped model, Fruin level of service.
    - { id: pavement, thermal: cam1, areaM2: 10 }
`
    : ''
}windows:
  lengths: [${site.window}]
upstream:
  url: ${site.upstreamUrl}
  protocol: "${site.protocol}"
${
  site.nodeRedPort
    ? `nodeRed:
  # The flow editor on its own port. Its login was generated for this gateway, in
  # secrets/node-red.json; the flows are saved to flows.json.
  enabled: true
  port: ${String(site.nodeRedPort)}
`
    : ''
}${
      site.statusPort !== undefined
        ? `statusPage:
  # The local status page, /api/status and /metrics. Open without a login because it listens on
  # loopback only; on a gateway it asks for the editor's login.
  enabled: true
  port: ${String(site.statusPort)}
  open: true
`
        : ''
    }alarms:
  # Supply voltage outside 230 V ± 10 % (EN 50160), a stuck or silent meter, a spike.
  - { type: sensor, id: lamp-supply, stream: lamp1/voltage, window: ${site.window}, min: 207, max: 253 }
${
  site.modelBundle
    ? `models:
  # The shipped learned detector (models/lamp-circuit-ae), trained on this simulator's circuit.
  # Replace it with the site's own normal period: edge-gw calibrate --model lamp-circuit-ae
  - name: lamp-circuit-ae
    bundle: ${site.modelBundle}
    features: [lamp1/voltage, lamp1/activePower, lamp1/powerFactor]
    window: PT1M
`
    : ''
}`,
  );
  return file;
}
