import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy, MQTT_PACKET, packetLength } from '../../scripts/faults/fault-proxy.js';
import { Mosquitto } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait-for.js';

function connect(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { protocolVersion: 5, reconnectPeriod: 0, ...options });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

describe('FaultProxy between a client and a real Mosquitto', () => {
  let broker: Mosquitto;
  const clients: MqttClient[] = [];
  const proxies: FaultProxy[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start();
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    for (const p of proxies) await p.stop();
    await broker.stop();
  });

  async function setup(options: mqtt.IClientOptions = {}) {
    const proxy = await FaultProxy.start('127.0.0.1', broker.port);
    proxies.push(proxy);
    const client = await connect(proxy.url, options);
    clients.push(client);
    return { proxy, client };
  }

  it('forwards MQTT unchanged', async () => {
    const { proxy, client } = await setup();
    const got: string[] = [];
    client.on('message', (_t, payload) => got.push(payload.toString()));
    await client.subscribeAsync('t/echo', { qos: 1 });
    await client.publishAsync('t/echo', 'hello', { qos: 1 });
    await waitFor(() => got.length === 1, 'the echo');
    expect(got).toEqual(['hello']);
    expect(proxy.stats).toMatchObject({ connections: 1, open: 1, packetsDropped: 0 });
  });

  it('drops chosen packets whole: PUBACKs vanish while the broker has the message', async () => {
    const { proxy, client } = await setup();
    const watcher = await connect(broker.url);
    clients.push(watcher);
    const seen: string[] = [];
    watcher.on('message', (_t, p) => seen.push(p.toString()));
    await watcher.subscribeAsync('t/lossy', { qos: 1 });
    proxy.setPacketFilter((dir, type) => dir === 'down' && type === MQTT_PACKET.PUBACK);
    let acked = false;
    client.publish('t/lossy', 'm1', { qos: 1 }, () => (acked = true));
    await waitFor(() => seen.length === 1 && proxy.stats.packetsDropped === 1, 'delivery and drop');
    expect(acked).toBe(false);
    // The stream stays intact around the dropped packet: the next request gets its answer.
    await expect(client.subscribeAsync('t/after', { qos: 1 })).resolves.toHaveLength(1);
  });

  it('resets every connection and refuses new ones on request', async () => {
    const { proxy, client } = await setup();
    let closed = false;
    client.on('close', () => (closed = true));
    proxy.setAccepting(false);
    proxy.reset();
    await waitFor(() => closed, 'the client to see the reset');
    const refused = mqtt.connect(proxy.url, { protocolVersion: 5, reconnectPeriod: 0 });
    clients.push(refused);
    await waitFor(() => proxy.stats.refused >= 1, 'a refused connection');
    expect(proxy.stats.open).toBe(0);
  });

  it('blackholes without closing: only the keepalive finds out', async () => {
    const { proxy, client } = await setup({ keepalive: 1 });
    let closed = false;
    client.on('close', () => (closed = true));
    proxy.blackhole(true);
    // The proxy never closes anything: the connection is open at the proxy until the client's
    // own keepalive gives up on it.
    expect(proxy.stats.open).toBe(1);
    await waitFor(() => closed, 'the keepalive to notice', 10_000);
  });

  it('caps the bandwidth: 40 kB each way at 20 kB/s takes at least 2 s', async () => {
    const { proxy, client } = await setup();
    proxy.setBandwidth(20_000);
    let got = 0;
    client.on('message', () => got++);
    await client.subscribeAsync('t/big', { qos: 0 });
    const started = performance.now();
    client.publish('t/big', Buffer.alloc(40_000, 1), { qos: 0 });
    await waitFor(() => got === 1, 'the big message back', 10_000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  it('reads MQTT remaining lengths of one to four bytes', () => {
    expect(packetLength(Buffer.from([0xc0, 0x00]))).toBe(2);
    expect(packetLength(Buffer.from([0x30, 0xc1, 0x02]))).toBe(3 + 321);
    expect(packetLength(Buffer.from([0x30, 0xff]))).toBeUndefined();
    expect(() => packetLength(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(
      /malformed/,
    );
  });
});
