/**
 * `npm run consumer -- --broker mqtt://host:1883 --db consumer.db`: runs the reference consumer
 * until Ctrl-C, printing a line of counts every ten seconds. With `DATABASE_URL` set (or
 * `--database-url`) it stores into PostgreSQL instead of SQLite.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PgConsumerStore } from './pg-consumer-store.js';
import { ReferenceConsumer, type CommandSigningKey } from './reference-consumer.js';

const { values } = parseArgs({
  options: {
    broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    db: { type: 'string', default: 'consumer.db' },
    prefix: { type: 'string', default: 'egw/v1' },
    group: { type: 'string', default: 'egw-consumers' },
    'database-url': { type: 'string' },
    'hmac-key-file': { type: 'string' },
    'ed25519-key-file': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm run consumer -- [--broker URL] [--db FILE | --database-url postgres://…]\n' +
      '         [--prefix egw/v1] [--group NAME] [--hmac-key-file F | --ed25519-key-file PEM]\n' +
      'The key signs replay requests; it must match upstream.commands on the gateways.',
  );
  process.exit(0);
}

let commandKey: CommandSigningKey | undefined;
try {
  if (values['hmac-key-file'])
    commandKey = {
      hmacKey: Buffer.from(readFileSync(values['hmac-key-file'], 'utf8').replace(/\r?\n$/, '')),
    };
  else if (values['ed25519-key-file'])
    commandKey = { ed25519PrivateKeyPem: readFileSync(values['ed25519-key-file']) };
} catch (err) {
  console.error(`cannot read the command key: ${(err as Error).message}`);
  process.exit(1);
}
const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
let where = values.db;
const options = {
  brokerUrl: values.broker,
  prefix: values.prefix,
  group: values.group,
  ...(commandKey ? { commandKey } : {}),
};
let consumer: ReferenceConsumer;
if (databaseUrl) {
  try {
    const db = await PgConsumerStore.open(databaseUrl, commandKey !== undefined);
    consumer = new ReferenceConsumer({ ...options, db });
    where = new URL(databaseUrl).host + new URL(databaseUrl).pathname;
  } catch (err) {
    console.error(`cannot open PostgreSQL at DATABASE_URL: ${(err as Error).message}`);
    process.exit(1);
  }
} else consumer = new ReferenceConsumer({ ...options, dbFile: values.db });
try {
  await consumer.start();
} catch (err) {
  console.error(`cannot connect to ${values.broker}: ${(err as Error).message}`);
  process.exit(1);
}
console.log(`consuming ${values.prefix}/+/data/+ from ${values.broker} into ${where}`);
const report = setInterval(() => console.log(JSON.stringify(consumer.stats)), 10_000);
process.once('SIGINT', () => {
  clearInterval(report);
  void consumer.stop().then(() => {
    console.log(JSON.stringify(consumer.stats));
  });
});
