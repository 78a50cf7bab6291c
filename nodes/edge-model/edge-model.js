'use strict';

/**
 * Model inference: scores `msg.payload` (an array: the model's input window, row by row) with a
 * learned detector running on this gateway, in its model worker (off the event loop). The
 * answer is `msg.payload` = `{score, threshold, anomalous, version}`.
 */
module.exports = function (RED) {
  function EdgeModelNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const gateway = RED.nodes.getNode(config.gateway);
    const link = gateway && gateway.link;
    node.status(
      link
        ? { fill: 'grey', shape: 'ring', text: config.model || 'no model' }
        : { fill: 'red', shape: 'ring', text: 'no gateway' },
    );
    node.on('input', function (msg, send, done) {
      if (!link) {
        done(new Error('no gateway: this Node-RED does not run inside an edge-gw gateway'));
        return;
      }
      const model = String(msg.model || config.model || '');
      const input = msg.payload;
      if (!Array.isArray(input)) {
        done(
          new Error(
            `msg.payload must be an array of numbers (the model's input window, row by row)`,
          ),
        );
        return;
      }
      link.infer(model, input).then(
        (r) => {
          const anomalous = r.score > r.threshold;
          node.status({
            fill: anomalous ? 'red' : 'green',
            shape: 'dot',
            text: `${r.score.toFixed(3)} (threshold ${r.threshold.toFixed(3)})`,
          });
          msg.payload = { score: r.score, threshold: r.threshold, anomalous, version: r.version };
          send(msg);
          done();
        },
        (err) => {
          node.status({ fill: 'red', shape: 'ring', text: 'refused' });
          done(err);
        },
      );
    });
  }
  RED.nodes.registerType('edge-model', EdgeModelNode);
};
