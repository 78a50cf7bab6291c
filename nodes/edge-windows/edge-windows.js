'use strict';

const { pattern } = require('../lib/pattern.js');

/**
 * Window summaries in: each closed window's summary of the streams that match, once stored, as
 * it goes upstream (`msg.payload` the mean, `msg.summary` the whole record: n, min, max, p95...).
 */
module.exports = function (RED) {
  function EdgeWindowsNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const gateway = RED.nodes.getNode(config.gateway);
    const link = gateway && gateway.link;
    if (!link) {
      node.status({ fill: 'red', shape: 'ring', text: 'no gateway' });
      return;
    }
    const device = pattern(config.device);
    const point = pattern(config.point);
    const length = String(config.window || '');
    node.status({ fill: 'green', shape: 'dot', text: 'connected' });
    const unsubscribe = link.onWindow((records) => {
      let sent = 0;
      for (const r of records) {
        if (!device.test(r.dev) || !point.test(r.m) || (length && r.w !== length)) continue;
        sent++;
        node.send({ topic: `${r.dev}/${r.m}`, payload: r.mean, summary: { ...r } });
      }
      if (sent > 0 && records[0])
        node.status({
          fill: 'green',
          shape: 'dot',
          text: `${records[0].w} window ${new Date(records[0].t0).toISOString().slice(11, 16)}Z`,
        });
    });
    node.on('close', function (done) {
      unsubscribe();
      done();
    });
  }
  RED.nodes.registerType('edge-windows', EdgeWindowsNode);
};
