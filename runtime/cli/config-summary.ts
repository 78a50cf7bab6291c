import type { SiteConfig } from '../config/schema.js';
import type { DeviceCatalogue } from '../devices/catalogue.js';

function busLine(bus: SiteConfig['buses'][number]): string {
  switch (bus.type) {
    case 'modbus-tcp':
      return `${bus.id}  modbus-tcp ${bus.host}:${bus.port}, timeout ${bus.timeoutMs} ms, ${bus.retries} retries`;
    case 'modbus-rtu':
    case 'serial': {
      const parity = bus.parity === 'none' ? 'N' : bus.parity === 'even' ? 'E' : 'O';
      const retries = bus.type === 'modbus-rtu' ? `, ${bus.retries} retries` : '';
      return `${bus.id}  ${bus.type} ${bus.path} ${bus.baudRate} 8${parity}${bus.stopBits}, timeout ${bus.timeoutMs} ms${retries}`;
    }
    case 'gpio':
      return `${bus.id}  gpio${bus.simulate ? ' (simulated lines)' : ''}`;
  }
}

function deviceLine(d: SiteConfig['devices'][number], catalogue: DeviceCatalogue): string {
  const profile = catalogue.get(d.profile);
  const points = d.points?.length ?? profile?.points.length ?? 0;
  const poll = d.pollMs ?? profile?.defaults.pollMs ?? 1000;
  const where =
    profile?.kind === 'modbus'
      ? `unit ${d.unitId ?? profile.defaults.unitId}, `
      : profile?.kind === 'gpio'
        ? `pin ${d.pin ?? '?'}, `
        : '';
  return `${d.id}  ${d.profile} on ${d.bus}, ${where}every ${poll} ms, ${points} points`;
}

/** What `edge-gw check` prints for a valid config: one line per part, the facts an engineer on
 * site wants to confirm before running it. */
export function configSummary(config: SiteConfig, catalogue: DeviceCatalogue): string[] {
  const up = config.upstream;
  const auth = up.username
    ? `user ${up.username}${up.passwordFile ? ' with password file' : ''}`
    : 'anonymous';
  const secure = /^(mqtts|ssl):/.test(up.url);
  const tls = secure
    ? `TLS (${up.tls?.ca ? 'own CA' : 'system CAs'}${up.tls?.cert ? ', client certificate' : ''})`
    : 'no TLS';
  const lines = [
    `gateway   ${config.gateway.id}${config.gateway.name ? ` (${config.gateway.name})` : ''}, data in ${config.gateway.dataDir}`,
    `clock     ${config.clock.sync === 'trust-os' ? 'trusts the OS clock' : 'synced when systemd-timesyncd says so'}`,
    ...config.buses.map((b, i) => `${i === 0 ? 'buses' : '     '}     ${busLine(b)}`),
    ...config.devices.map(
      (d, i) => `${i === 0 ? 'devices' : '       '}   ${deviceLine(d, catalogue)}`,
    ),
    `windows   ${config.windows.lengths.join(', ')} (UTC-aligned)`,
    `models    ${config.models.length ? config.models.map((m) => `${m.name}${m.enabled ? '' : ' (off)'}`).join(', ') : 'none'}`,
    `upstream  ${up.url}, MQTT ${up.protocol}, client ${up.clientId ?? config.gateway.id}, ${tls}, ${auth}`,
    `          topics ${up.prefix}/${config.gateway.id}/{status,data/...}`,
    `store     commit every ${config.store.commitIntervalMs} ms, readings ring ${config.store.readingsMaxRows} rows`,
    `node-red  ${config.nodeRed.enabled ? `on ${config.nodeRed.bind}:${config.nodeRed.port}` : 'off'}`,
    `status    ${config.statusPage.enabled ? `on ${config.statusPage.bind}:${config.statusPage.port}` : 'off'}`,
  ];
  return lines;
}
