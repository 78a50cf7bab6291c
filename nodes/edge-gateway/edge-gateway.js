'use strict';

/**
 * The gateway config node: the other edge-* nodes register with it and reach the runtime
 * through it. The runtime hands itself to Node-RED in its settings (RED.settings.edgeGateway);
 * outside a gateway there is none, and the nodes say so in their status.
 */
module.exports = function (RED) {
  function EdgeGatewayNode(config) {
    RED.nodes.createNode(this, config);
    this.link = RED.settings.edgeGateway;
    this.gatewayId = this.link ? this.link.gatewayId : undefined;
  }
  RED.nodes.registerType('edge-gateway', EdgeGatewayNode);
};
