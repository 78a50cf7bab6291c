import { literalUnion } from '../shared/literal-union.js';
import { CrowdZoneSchema } from './crowd-schema.js';
import { AlarmSchema } from './alarm-schema.js';
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The site config, version 1: everything one gateway needs to know about its site. Fields with a
 * `default` may be left out of the file; the loader fills them in, so the resolved config type
 * has no optional fields where a default exists.
 */
export const CONFIG_VERSION = 1;

export const ID_RULE =
  'lower-case letters, digits and "-", 1 to 32 characters, starting with a letter or digit';
const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: ID_RULE });
const BindAddress = Type.String({
  minLength: 1,
  default: '127.0.0.1',
  description: 'an address to listen on, e.g. 127.0.0.1 or 0.0.0.0',
});
const FilePath = Type.String({
  minLength: 1,
  description: "a file path (relative paths start at the config file's folder)",
});
const TimeoutMs = Type.Integer({
  minimum: 50,
  maximum: 60_000,
  default: 1000,
  description: 'milliseconds from 50 to 60000',
});

export const BAUD_RATES = [
  1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200, 230400, 460800,
] as const;

const Retries = Type.Integer({
  minimum: 0,
  maximum: 5,
  default: 1,
  description: 'extra attempts, 0 to 5, for a read that timed out or came back corrupted',
});

const ModbusTcpBus = Type.Object(
  {
    id: Id,
    type: Type.Literal('modbus-tcp'),
    retries: Retries,
    host: Type.String({ minLength: 1, description: 'a host name or IP address' }),
    port: Type.Integer({
      minimum: 1,
      maximum: 65535,
      default: 502,
      description: 'a TCP port from 1 to 65535',
    }),
    timeoutMs: TimeoutMs,
  },
  { additionalProperties: false },
);

const serialFields = {
  id: Id,
  path: Type.String({
    minLength: 1,
    description: 'a serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/...',
  }),
  baudRate: literalUnion(BAUD_RATES),
  parity: literalUnion(['none', 'even', 'odd'] as const, { default: 'none' }),
  stopBits: literalUnion([1, 2] as const, { default: 1 }),
  timeoutMs: TimeoutMs,
};

const ModbusRtuBus = Type.Object(
  { ...serialFields, type: Type.Literal('modbus-rtu'), retries: Retries },
  { additionalProperties: false },
);

const SerialBus = Type.Object(
  { ...serialFields, type: Type.Literal('serial') },
  { additionalProperties: false },
);

const GpioBus = Type.Object(
  {
    id: Id,
    type: Type.Literal('gpio'),
    simulate: Type.Boolean({
      default: false,
      description: 'true to use simulated lines (a machine without /sys/class/gpio, a bench test)',
    }),
  },
  { additionalProperties: false },
);

export const BusSchema = Type.Union([ModbusTcpBus, ModbusRtuBus, SerialBus, GpioBus]);

export const DeviceSchema = Type.Object(
  {
    id: Id,
    profile: Type.String({
      minLength: 1,
      description: 'the name of a profile in devices/, e.g. eastron-sdm120',
    }),
    bus: Type.String({ minLength: 1, description: 'the id of a bus in buses' }),
    unitId: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 247, description: 'a Modbus unit id from 1 to 247' }),
    ),
    pollMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 3_600_000,
        description: 'milliseconds from 100 to 3600000',
      }),
    ),
    points: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description: 'a list of point names from the profile',
      }),
    ),
    pin: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1023,
        description: 'the GPIO line number (BCM numbering on a Raspberry Pi), for gpio devices',
      }),
    ),
    activeLow: Type.Optional(Type.Boolean({ description: 'true when the line is active at 0 V' })),
    controls: Type.Optional(
      literalUnion(['lamp', 'valve', 'other'] as const, {
        description:
          'what a relay output switches: "lamp", "valve" or "other"; lamp-level commands act only on a lamp',
      }),
    ),
    litresPerPulse: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'litres per pulse of a pulse meter, above 0',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ModelSchema = Type.Object(
  {
    name: Id,
    bundle: FilePath,
    enabled: Type.Boolean({ default: true }),
    features: Type.Optional(
      Type.Array(
        Type.String({
          pattern: '^[a-z0-9][a-z0-9-]{0,31}/[A-Za-z][A-Za-z0-9]*$',
          description: 'device/point',
        }),
        { minItems: 1, description: 'the streams a learned detector reads (edge-gw calibrate)' },
      ),
    ),
    window: Type.Optional(
      Type.String({ description: 'the window length it reads them at, one of windows.lengths' }),
    ),
    steps: Type.Integer({
      minimum: 2,
      maximum: 1000,
      default: 10,
      description: 'consecutive windows in one input of the detector',
    }),
  },
  { additionalProperties: false },
);

/** Who the gateway is and where it keeps its state. */
export const GatewaySchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ minLength: 1 })),
    dataDir: Type.String({
      minLength: 1,
      description:
        "a folder for the store and state (relative paths start at the config file's folder)",
    }),
  },
  { additionalProperties: false },
);

export const UpstreamSchema = Type.Object(
  {
    url: Type.String({
      pattern: '^(mqtt|mqtts|tcp|ssl)://[^\\s/]+(:\\d+)?/?$',
      description: 'mqtt://host:port, or mqtts://host:port for TLS',
    }),
    protocol: literalUnion(['5', '3.1.1'] as const, {
      default: '5',
      description: '"5" (MQTT 5, the default) or "3.1.1"',
    }),
    clientId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'an MQTT client id (defaults to the gateway id)',
      }),
    ),
    prefix: Type.String({
      default: 'egw/v1',
      pattern: '^[^#+\\s]+[^/#+\\s]$',
      description: 'a topic prefix without wildcards or a trailing "/", e.g. egw/v1',
    }),
    keepaliveS: Type.Integer({
      minimum: 5,
      maximum: 3600,
      default: 60,
      description: 'seconds from 5 to 3600',
    }),
    username: Type.Optional(Type.String({ minLength: 1 })),
    passwordFile: Type.Optional(FilePath),
    tls: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(FilePath),
          cert: Type.Optional(FilePath),
          key: Type.Optional(FilePath),
        },
        { additionalProperties: false },
      ),
    ),
    allowPlaintext: Type.Boolean({
      default: false,
      description: 'true to allow unencrypted mqtt:// to a host other than loopback',
    }),
    ack: literalUnion(['puback', 'consumer'] as const, {
      default: 'puback',
      description:
        '"consumer" when a consumer publishes the retained ack cursor: rows are deleted only at that cursor; "puback" keeps acked rows for store.keepAcked',
    }),
    encoding: literalUnion(['json', 'cbor', 'cbor+deflate'] as const, {
      default: 'json',
      description: 'payload encoding of data messages: "json", "cbor" or "cbor+deflate"',
    }),
    maxInFlight: Type.Integer({
      minimum: 1,
      maximum: 16,
      default: 16,
      description:
        "messages awaiting PUBACK at once, 1 to 16 (the broker's Receive Maximum lowers it)",
    }),
    ackTimeoutS: Type.Number({
      minimum: 1,
      maximum: 600,
      default: 15,
      description: 'seconds without a PUBACK after which the link is treated as dead',
    }),
    backfill: Type.Object(
      {
        bytesPerS: Type.Integer({
          minimum: 100,
          maximum: 100_000_000,
          default: 8192,
          description:
            'bytes per second for backfill (a backlog after an outage); alarms and live windows are not limited',
        }),
        msgsPerS: Type.Number({
          minimum: 0.1,
          maximum: 100_000,
          default: 50,
          description: 'messages per second for backfill',
        }),
        startDelayMaxS: Type.Number({
          minimum: 0,
          maximum: 3600,
          default: 300,
          description:
            'backfill starts after a random delay of up to this many seconds after each reconnect, so a city of gateways does not drain at once',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    commands: Type.Optional(
      Type.Object(
        {
          hmacKeyFile: Type.Optional(FilePath),
          ed25519PublicKeyFile: Type.Optional(FilePath),
          maxAgeS: Type.Integer({
            minimum: 10,
            maximum: 86_400,
            default: 600,
            description:
              'seconds: a command issued longer ago than this (or as far in the future) is refused',
          }),
        },
        {
          additionalProperties: false,
          description:
            'who may send commands: an HMAC-SHA256 key file and/or an Ed25519 public key (PEM); without one every command is refused',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    version: Type.Literal(CONFIG_VERSION, { description: String(CONFIG_VERSION) }),
    gateway: GatewaySchema,
    clock: Type.Object(
      {
        sync: literalUnion(['timesyncd', 'trust-os'] as const, {
          default: 'timesyncd',
          description:
            '"timesyncd" (synced once systemd-timesyncd says so) or "trust-os" (the OS clock is always right)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    buses: Type.Array(BusSchema, { minItems: 1 }),
    devices: Type.Array(DeviceSchema, { minItems: 1 }),
    windows: Type.Object(
      {
        lengths: Type.Array(
          Type.String({
            description:
              'an ISO-8601 duration that divides a day, from PT1S to P1D (PT1M, PT15M, PT1H)',
          }),
          { minItems: 1, default: ['PT1M'] },
        ),
        grace: Type.String({
          default: 'PT5M',
          description:
            'an ISO-8601 duration: a reading this late after its window closed still revises it (a new revision is sent); later ones are counted as late',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    models: Type.Array(ModelSchema, { default: [] }),
    alarms: Type.Array(AlarmSchema, {
      default: [],
      description:
        'named alarms on streams: sensor (range, flatline, spike, offline), water-meter (leak, burst, backflow, stuck meter), lamp-circuit (lamp failure, cable loss, day burning, voltage, power factor)',
    }),
    crowd: Type.Object(
      {
        zones: Type.Array(CrowdZoneSchema, {
          default: [],
          description:
            'crowd zones: people counted from a thermal array or reported by a people counter, density over the area, Fruin level of service, congestion',
        }),
        forecastBundle: Type.Optional(
          Type.String({
            description:
              "the crowding forecast's bundle (default: the shipped models/crowd-forecast/bundle); used when the site has PT1H windows",
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    upstream: UpstreamSchema,
    store: Type.Object(
      {
        commitIntervalMs: Type.Integer({
          minimum: 50,
          maximum: 60_000,
          default: 1000,
          description: 'milliseconds from 50 to 60000: the most readings a power cut can lose',
        }),
        readingsMaxRows: Type.Integer({ minimum: 1000, maximum: 100_000_000, default: 1_000_000 }),
        budgetMB: Type.Number({
          minimum: 1,
          maximum: 1_000_000,
          default: 1024,
          description:
            'megabytes the store may hold; past it, raw readings go first, then fine windows are compacted, then the oldest summaries go, and alarms last',
        }),
        shares: Type.Object(
          {
            raw: Type.Number({ minimum: 0, maximum: 1, default: 0.3 }),
            summaries: Type.Number({ minimum: 0, maximum: 1, default: 0.6 }),
            events: Type.Number({ minimum: 0, maximum: 1, default: 0.1 }),
          },
          {
            additionalProperties: false,
            default: {},
            description:
              'fractions of the budget per class once the store is full; raw readings are kept within their share at all times',
          },
        ),
        compactTo: Type.String({
          default: 'PT1H',
          description: 'an ISO-8601 duration: the window length fine windows are compacted into',
        }),
        keepAcked: Type.String({
          default: 'P1D',
          description:
            'an ISO-8601 duration: how long rows the broker accepted stay in the outbox for replay',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    nodeRed: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 1880 }),
        bind: BindAddress,
        flowFile: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              "the site's Node-RED flows (default: flows.json in the data directory); saved back atomically on deploy",
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    statusPage: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        port: Type.Integer({
          minimum: 0,
          maximum: 65535,
          default: 8080,
          description: 'TCP port (0: any free port)',
        }),
        bind: BindAddress,
        open: Type.Boolean({
          default: false,
          description:
            "readable without credentials; allowed only on a loopback bind (127.0.0.1, ::1). Otherwise the editor's login is asked for",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

/** The config as the runtime sees it: defaults filled in, relative paths made absolute. */
export type SiteConfig = Static<typeof ConfigSchema>;
export type BusConfig = Static<typeof BusSchema>;
export type ModbusTcpBusConfig = Static<typeof ModbusTcpBus>;
export type ModbusRtuBusConfig = Static<typeof ModbusRtuBus>;
export type SerialBusConfig = Static<typeof SerialBus>;
export type GpioBusConfig = Static<typeof GpioBus>;
export type DeviceConfig = Static<typeof DeviceSchema>;
export type UpstreamConfig = Static<typeof UpstreamSchema>;

/** The schema as editors and docs see it: a field with a default is not required in a file. */
export function fileJsonSchema(schema: TSchema = ConfigSchema): unknown {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v);
    const props = out.properties as Record<string, { default?: unknown }> | undefined;
    if (props && Array.isArray(out.required)) {
      out.required = (out.required as string[]).filter((k) => props[k]?.default === undefined);
      if ((out.required as string[]).length === 0) delete out.required;
    }
    return out;
  };
  return walk(JSON.parse(JSON.stringify(schema)) as unknown);
}
