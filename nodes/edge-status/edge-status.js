'use strict';

/** Gateway status: on any input, `msg.payload` becomes the gateway's status (devices, outbox,
 * upstream, crowd zones, models, Node-RED itself), as `edge-gw status` shows it. */
module.exports = function (RED) {
  function EdgeStatusNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const gateway = RED.nodes.getNode(config.gateway);
    const link = gateway && gateway.link;
    node.status(
      link
        ? { fill: 'green', shape: 'dot', text: 'connected' }
        : { fill: 'red', shape: 'ring', text: 'no gateway' },
    );
    node.on('input', function (msg, send, done) {
      if (!link) {
        done(new Error('no gateway: this Node-RED does not run inside an edge-gw gateway'));
        return;
      }
      try {
        msg.payload = link.status();
        send(msg);
        done();
      } catch (err) {
        done(err);
      }
    });
  }
  RED.nodes.registerType('edge-status', EdgeStatusNode);
};
