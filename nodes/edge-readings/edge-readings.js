'use strict';

const { pattern } = require('../lib/pattern.js');

/**
 * Readings in: every reading the gateway takes in (devices and crowd zones) whose device and
 * point match, as `msg.topic` = `device/point` and `msg.payload` = the value. The reading itself
 * is in `msg.reading` (a copy: flows cannot change what the gateway stores).
 */
module.exports = function (RED) {
  function EdgeReadingsNode(config) {
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
    const goodOnly = config.goodOnly !== false;
    let count = 0;
    node.status({ fill: 'green', shape: 'dot', text: 'connected' });
    const unsubscribe = link.onReading((r) => {
      if (!device.test(r.device) || !point.test(r.point)) return;
      if (goodOnly && r.quality !== 'good') return;
      count++;
      node.send({
        topic: `${r.device}/${r.point}`,
        payload: r.value,
        reading: {
          device: r.device,
          point: r.point,
          value: r.value,
          quality: r.quality,
          wallMs: r.wallMs,
          clockState: r.clockState,
        },
      });
      // The status shows the flow is alive without a redraw for every reading.
      if (count % 10 === 1)
        node.status({ fill: 'green', shape: 'dot', text: `${String(count)} readings` });
    });
    node.on('close', function (done) {
      unsubscribe();
      done();
    });
  }
  RED.nodes.registerType('edge-readings', EdgeReadingsNode);
};
