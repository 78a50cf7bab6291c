'use strict';

/**
 * Device command out: sets a lamp's level or switches a relay (a valve) on the gateway's own
 * outputs. The device comes from the node or `msg.device`; the value from `msg.payload`. The
 * answer goes out on the output as `msg.payload` (`{ok, result}` or `{ok: false, reason}`).
 */
module.exports = function (RED) {
  function EdgeCommandNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const gateway = RED.nodes.getNode(config.gateway);
    const link = gateway && gateway.link;
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
      const device = String(msg.device || config.device || '');
      if (!device) {
        done(new Error('no device: set one on the node or in msg.device'));
        return;
      }
      let answer;
      if (config.action === 'relay') {
        const v = msg.payload;
        const on = v === true || v === 1 || v === 'on' || v === 'ON' || v === 'true';
        const off = v === false || v === 0 || v === 'off' || v === 'OFF' || v === 'false';
        if (!on && !off) {
          done(new Error(`a relay takes on/off, true/false or 1/0 (got ${JSON.stringify(v)})`));
          return;
        }
        answer = link.setRelay(device, on);
      } else {
        const level = Number(msg.payload);
        if (!Number.isFinite(level) || level < 0 || level > 100) {
          done(new Error(`a lamp level is 0 to 100 % (got ${JSON.stringify(msg.payload)})`));
          return;
        }
        answer = link.setLampLevel(device, level);
      }
      if (!answer.ok) {
        node.status({ fill: 'red', shape: 'dot', text: answer.reason });
        done(new Error(`${device}: ${answer.reason}`));
        return;
      }
      const shown =
        config.action === 'relay'
          ? answer.result.on
            ? 'on'
            : 'off'
          : `${String(answer.result.applied)} %`;
      node.status({ fill: 'green', shape: 'dot', text: `${device} ${shown}` });
      msg.payload = answer;
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('edge-command', EdgeCommandNode);
};
