/**
 * `npm run consumer -- --broker mqtt://host:1883 --db consumer.db`: runs the reference consumer
 * until Ctrl-C, printing a line of counts every ten seconds.
 */
import { parseArgs } from 'node:util';
import { ReferenceConsumer } from './reference-consumer.js';

const { values } = parseArgs({
  options: {
    broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    db: { type: 'string', default: 'consumer.db' },
    prefix: { type: 'string', default: 'egw/v1' },
    group: { type: 'string', default: 'egw-consumers' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm run consumer -- [--broker URL] [--db FILE] [--prefix egw/v1] [--group NAME]',
  );
  process.exit(0);
}

const consumer = new ReferenceConsumer({
  brokerUrl: values.broker,
  dbFile: values.db,
  prefix: values.prefix,
  group: values.group,
});
try {
  await consumer.start();
} catch (err) {
  console.error(`cannot connect to ${values.broker}: ${(err as Error).message}`);
  process.exit(1);
}
console.log(`consuming ${values.prefix}/+/data/+ from ${values.broker} into ${values.db}`);
const report = setInterval(() => console.log(JSON.stringify(consumer.stats)), 10_000);
process.once('SIGINT', () => {
  clearInterval(report);
  void consumer.stop().then(() => {
    console.log(JSON.stringify(consumer.stats));
  });
});
