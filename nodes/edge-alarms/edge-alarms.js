'use strict';

const { pattern } = require('../lib/pattern.js');

/**
 * Alarms in: every alarm the gateway raises or clears (named alarms, congestion, the learned
 * detector, refused models) whose name and subject match, once it is stored and queued upstream.
 */
module.exports = function (RED) {
  function EdgeAlarmsNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const gateway = RED.nodes.getNode(config.gateway);
    const link = gateway && gateway.link;
    if (!link) {
      node.status({ fill: 'red', shape: 'ring', text: 'no gateway' });
      return;
    }
    const name = pattern(config.alarm);
    const subject = pattern(config.subject);
    const raised = new Set();
    node.status({ fill: 'green', shape: 'dot', text: 'no alarm' });
    const unsubscribe = link.onAlarm((t) => {
      if (!name.test(t.name) || !subject.test(t.subject)) return;
      const key = `${t.name}/${t.subject}`;
      if (t.state === 'raised') raised.add(key);
      else raised.delete(key);
      node.send({
        topic: key,
        payload: {
          name: t.name,
          subject: t.subject,
          state: t.state,
          severity: t.severity,
          atMs: t.atMs,
          evidence: { ...t.evidence },
        },
      });
      node.status(
        raised.size > 0
          ? {
              fill: 'red',
              shape: 'dot',
              text: `${String(raised.size)} raised: ${[...raised].at(-1)}`,
            }
          : { fill: 'green', shape: 'dot', text: 'no alarm' },
      );
    });
    node.on('close', function (done) {
      unsubscribe();
      done();
    });
  }
  RED.nodes.registerType('edge-alarms', EdgeAlarmsNode);
};
