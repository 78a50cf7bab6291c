'use strict';

/**
 * Custom record out: stores `msg.payload` and queues it upstream as a `data/custom` record with
 * an idempotency key (`msg.key`): sent at least once, kept once per key by the platform. The
 * outbox sequence number goes out as `msg.seq`.
 */
module.exports = function (RED) {
  function EdgeRecordOutNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const gateway = RED.nodes.getNode(config.gateway);
    const link = gateway && gateway.link;
    let sent = 0;
    node.status(
      link
        ? { fill: 'grey', shape: 'ring', text: 'ready' }
        : { fill: 'red', shape: 'ring', text: 'no gateway' },
    );
    node.on('input', function (msg, send, done) {
      if (!link) {
        done(new Error('no gateway: this Node-RED does not run inside an edge-gw gateway'));
        return;
      }
      if (msg.key === undefined || msg.key === null || msg.key === '') {
        done(
          new Error(
            'no msg.key: the idempotency key (the same key twice is the same record upstream)',
          ),
        );
        return;
      }
      const p = msg.payload;
      const data = p !== null && typeof p === 'object' && !Array.isArray(p) ? p : { value: p };
      try {
        msg.seq = link.enqueue({
          key: String(msg.key),
          name: config.record || 'record',
          t: typeof msg.t === 'number' ? msg.t : Date.now(),
          data,
        });
      } catch (err) {
        node.status({ fill: 'red', shape: 'dot', text: 'refused' });
        done(err);
        return;
      }
      sent++;
      node.status({ fill: 'green', shape: 'dot', text: `${String(sent)} queued` });
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('edge-record-out', EdgeRecordOutNode);
};
