/**
 * What a field engineer should do about a connection error. OpenSSL's messages
 * ("ssl3_read_bytes:tlsv13 alert certificate required …") name the protocol step, not the
 * setting to change, so the log line carries both: the raw error and this hint.
 */
export function upstreamErrorHint(message: string): string | undefined {
  const m = message.toLowerCase();
  if (m.includes('certificate required'))
    return 'the broker requires a client certificate: set upstream.tls.cert and upstream.tls.key';
  if (m.includes('alert unknown ca') || m.includes('alert bad certificate'))
    return "the broker does not trust the gateway's client certificate (upstream.tls.cert): it must be signed by a CA the broker's cafile holds";
  if (m.includes('certificate has expired') || m.includes('alert certificate expired'))
    return 'a certificate has expired (or the gateway clock is wrong: check `edge-gw status` for the clock state)';
  if (
    m.includes('self-signed certificate') ||
    m.includes('unable to verify') ||
    m.includes('unable to get local issuer')
  )
    return "the broker's certificate is not signed by the CA in upstream.tls.ca";
  if (m.includes('hostname/ip does not match') || m.includes('altnames'))
    return "the broker's certificate is not for the host in upstream.url";
  if (m.includes('bad user name or password') || m.includes('not authorized'))
    return 'the broker refused the login: check upstream.username and the password in upstream.passwordFile';
  if (m.includes('econnrefused'))
    return 'nothing listens at upstream.url (wrong port, or the broker is down)';
  if (m.includes('enotfound') || m.includes('eai_again'))
    return 'the host in upstream.url does not resolve (DNS)';
  if (m.includes('wrong version number') || m.includes('packet length too long'))
    return 'TLS and plain MQTT are mixed up: mqtts:// needs a TLS listener, mqtt:// a plain one';
  return undefined;
}
