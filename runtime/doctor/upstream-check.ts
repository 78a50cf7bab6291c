import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { connectAsync } from 'mqtt';
import type { SiteConfig } from '../config/schema.js';
import { mqttOptions } from '../sync/mqtt-options.js';
import { gatewayTopics } from '../sync/topics.js';
import { upstreamErrorHint } from '../sync/upstream-errors.js';
import { fail, ok, type CheckResult } from './doctor-check.js';

function tcp(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    const timer = setTimeout(() => {
      s.destroy();
      reject(
        new Error(
          `no answer within ${timeoutMs} ms (a firewall dropping packets, or the wrong host)`,
        ),
      );
    }, timeoutMs);
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.connect(port, host, () => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    });
  });
}

function tlsHandshake(
  config: SiteConfig,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<string> {
  const o = mqttOptions(
    config.upstream,
    { gatewayId: config.gateway.id, statusTopic: 'doctor' },
    timeoutMs,
  );
  return new Promise((resolve, reject) => {
    const s = tlsConnect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.cert ? { cert: o.cert } : {}),
      ...(o.key ? { key: o.key } : {}),
      rejectUnauthorized: true,
    });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`TLS handshake took more than ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('error', (e: Error) => {
      clearTimeout(timer);
      reject(e);
    });
    s.once('secureConnect', () => {
      clearTimeout(timer);
      const peer = s.getPeerCertificate();
      const protocol = s.getProtocol() ?? 'TLS';
      const cn = peer.subject?.CN;
      const days = peer.valid_to
        ? Math.floor((Date.parse(peer.valid_to) - Date.now()) / 86_400_000)
        : NaN;
      s.destroy();
      resolve(
        `${protocol}, broker certificate for ${[cn ?? host].flat().join(', ')}, ${days === 1 ? '1 day' : `${days} days`} left`,
      );
    });
  });
}

/**
 * The upstream broker, one layer at a time so the line that fails names the layer: DNS, TCP,
 * TLS (mqtts only), then an MQTT CONNECT with the gateway's credentials. The CONNECT uses the
 * client id `<id>-doctor`, so a running gateway's session is not taken over.
 */
export async function upstreamChecks(config: SiteConfig, timeoutMs = 5000): Promise<CheckResult[]> {
  const url = new URL(config.upstream.url);
  const secure = url.protocol === 'mqtts:' || url.protocol === 'ssl:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (secure ? 8883 : 1883));
  const out: CheckResult[] = [];
  const hint = (e: unknown, fallback: string): string =>
    upstreamErrorHint(String((e as Error).message ?? e)) ?? fallback;

  try {
    const addr = isIP(host) ? host : (await lookup(host)).address;
    out.push(ok('upstream dns', isIP(host) ? `${host} is an address` : `${host} is ${addr}`));
  } catch (e) {
    out.push(
      fail(
        'upstream dns',
        `${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        'check the host name in upstream.url, and the DNS server (resolvectl status)',
      ),
    );
    return out;
  }
  try {
    await tcp(host, port, timeoutMs);
    out.push(ok('upstream tcp', `${host}:${port} accepts connections`));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    out.push(
      fail(
        'upstream tcp',
        `${host}:${port}: ${code ?? (e as Error).message}`,
        code === 'ECONNREFUSED'
          ? 'nothing listens there: check the port in upstream.url, or that the broker runs'
          : 'check the network route and firewall to the broker (mobile APN, VPN)',
      ),
    );
    return out;
  }
  if (secure)
    try {
      out.push(ok('upstream tls', await tlsHandshake(config, host, port, timeoutMs)));
    } catch (e) {
      out.push(
        fail(
          'upstream tls',
          (e as Error).message,
          hint(e, 'check upstream.tls (ca, cert, key) against the broker'),
        ),
      );
      return out;
    }
  const options = mqttOptions(
    config.upstream,
    {
      gatewayId: config.gateway.id,
      statusTopic: gatewayTopics(config.upstream.prefix, config.gateway.id).status,
    },
    timeoutMs,
  );
  // No last will: the doctor must not tell the platform the gateway went offline.
  delete options.will;
  options.clientId = `${String(options.clientId)}-doctor`;
  try {
    const client = await connectAsync(config.upstream.url, options);
    await client.endAsync();
    out.push(
      ok(
        'upstream mqtt',
        `MQTT ${config.upstream.protocol} CONNECT accepted${config.upstream.username ? ` for ${config.upstream.username}` : ''}`,
      ),
    );
  } catch (e) {
    out.push(
      fail(
        'upstream mqtt',
        (e as Error).message,
        hint(e, 'check upstream.username, upstream.passwordFile and the broker ACL'),
      ),
    );
  }
  return out;
}
