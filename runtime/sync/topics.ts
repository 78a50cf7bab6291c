/** The native profile's topics, all under `<prefix>/<gateway>/` (see docs/northbound.md). */
export interface GatewayTopics {
  /** Retained online/offline state; also the Will. */
  status: string;
  /** Retained catalogue of devices, metrics and windows. */
  birth: string;
  /** Summaries, events, gaps and health, one topic per kind. */
  data(kind: string): string;
  /** The consumer's retained ack cursor. */
  ack: string;
  cmd(name: string): string;
}

export function gatewayTopics(prefix: string, gatewayId: string): GatewayTopics {
  const base = `${prefix}/${gatewayId}`;
  return {
    status: `${base}/status`,
    birth: `${base}/birth`,
    data: (kind) => `${base}/data/${kind}`,
    ack: `${base}/ack`,
    cmd: (name) => `${base}/cmd/${name}`,
  };
}
