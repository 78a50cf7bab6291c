import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { UpstreamConfig } from '../config/schema.js';

export interface UpstreamIdentity {
  gatewayId: string;
  statusTopic: string;
}

/**
 * The mqtt.js options for one connection attempt. mqtt.js is the transport only: no automatic
 * reconnect (the sender backs off with jitter itself), a clean session (the outbox, not the
 * broker, holds what is unsent), no offline queue.
 */
export function mqttOptions(
  config: UpstreamConfig,
  id: UpstreamIdentity,
  connectTimeoutMs: number,
): IClientOptions {
  const options: IClientOptions = {
    protocolVersion: config.protocol === '5' ? 5 : 4,
    clientId: config.clientId ?? id.gatewayId,
    clean: true,
    keepalive: config.keepaliveS,
    reconnectPeriod: 0,
    connectTimeout: connectTimeoutMs,
    queueQoSZero: false,
    resubscribe: false,
    // mqtt-packet's cache of every 16-bit number as its own Buffer is 65,536 objects, about 6 MB
    // of heap, a twelfth of an idle gateway's RSS; a packet id is written in microseconds anyway.
    writeCache: false,
    will: {
      topic: id.statusTopic,
      payload: Buffer.from(
        JSON.stringify({ online: false, gw: id.gatewayId, reason: 'connection lost' }),
      ),
      qos: 1,
      retain: true,
    },
  };
  if (config.username) options.username = config.username;
  // The password lives in a file (mode 0600) so it is never in the config, a backup of it, or
  // a log line; a trailing newline from `echo > file` is not part of it.
  if (config.passwordFile)
    options.password = readFileSync(config.passwordFile, 'utf8').replace(/\r?\n$/, '');
  if (config.tls?.ca) options.ca = readFileSync(config.tls.ca);
  if (config.tls?.cert) options.cert = readFileSync(config.tls.cert);
  if (config.tls?.key) options.key = readFileSync(config.tls.key);
  if (config.tls) options.rejectUnauthorized = true;
  return options;
}
