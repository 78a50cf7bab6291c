import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import { prometheusMetrics } from './prometheus-metrics.js';
import { statusPage } from './status-page.js';
import type { StatusReport } from './status-report.js';

export interface StatusServerOptions {
  port: number;
  bind: string;
  /** No credentials asked (allowed only on a loopback address; the config check refuses it
   * elsewhere). Otherwise the editor's login is asked for, by HTTP Basic authentication. */
  open: boolean;
  /** The editor's login (secrets/node-red.json), read when the server starts. */
  login: () => { username: string; password: string };
  report: () => StatusReport;
  log: Log;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Headers on every answer: nothing is cached, nothing is framed, no script runs. */
const HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

/**
 * The gateway's local status page (`/`), its JSON (`/api/status`) and Prometheus metrics
 * (`/metrics`), on their own port. Read-only: GET and HEAD only. A report is made per request
 * from in-memory state and a few cheap store counts, so a page costs milliseconds.
 */
export class StatusServer implements Component {
  readonly name = 'status-page';
  private server: Server | undefined;
  private want: Buffer | undefined;
  private problem: string | undefined;

  constructor(private readonly o: StatusServerOptions) {}

  /** Where it listens (the port chosen when the config says 0). */
  get url(): string {
    const a = this.server?.address() as AddressInfo | null | undefined;
    const host = this.o.bind.includes(':') ? `[${this.o.bind}]` : this.o.bind;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${a?.port ?? this.o.port}/`;
  }

  /** Whether the page is served, and why not. */
  status(): { state: 'running' | 'failed' | 'stopped'; url: string; reason?: string } {
    if (this.problem) return { state: 'failed', url: this.url, reason: this.problem };
    return { state: this.server ? 'running' : 'stopped', url: this.url };
  }

  /** A port that is taken is reported (log, status) and the gateway goes on collecting: the
   * page is for people, the data path must not depend on it. */
  async start(): Promise<void> {
    this.problem = undefined;
    if (!this.o.open) {
      const { username, password } = this.o.login();
      this.want = digest(`${username}\n${password}`);
    }
    const server = createServer((req, res) => this.handle(req, res));
    // A phone on a slow link must not hold a socket for ever.
    server.requestTimeout = 10_000;
    server.headersTimeout = 10_000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.o.port, this.o.bind, () => resolve());
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      this.problem =
        err.code === 'EADDRINUSE'
          ? `port ${this.o.port} on ${this.o.bind} is already taken (statusPage.port)`
          : `cannot listen on ${this.o.bind}:${this.o.port}: ${err.message}`;
      this.o.log.error({ err }, `status page not served: ${this.problem}`);
      return;
    }
    this.server = server;
    this.o.log.info({ url: this.url, open: this.o.open }, 'status page listening');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private authorised(req: IncomingMessage): boolean {
    if (this.o.open || !this.want) return true;
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!m?.[1]) return false;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const got = digest(`${decoded.slice(0, colon)}\n${decoded.slice(colon + 1)}`);
    return timingSafeEqual(got, this.want);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const send = (
      code: number,
      type: string,
      body: string,
      extra: Record<string, string> = {},
    ): void => {
      res.writeHead(code, { ...HEADERS, 'content-type': type, ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'text/plain; charset=utf-8', 'read-only: GET or HEAD\n', { allow: 'GET, HEAD' });
      return;
    }
    if (!this.authorised(req)) {
      send(
        401,
        'text/plain; charset=utf-8',
        "the gateway's editor login is needed (secrets/node-red.json)\n",
        {
          'www-authenticate': 'Basic realm="edge-gw", charset="UTF-8"',
        },
      );
      return;
    }
    const path = new URL(req.url ?? '/', 'http://status').pathname;
    try {
      switch (path) {
        case '/':
          send(200, 'text/html; charset=utf-8', statusPage(this.o.report()));
          return;
        case '/api/status':
          send(200, 'application/json; charset=utf-8', JSON.stringify(this.o.report()));
          return;
        case '/metrics':
          send(200, 'text/plain; version=0.0.4; charset=utf-8', prometheusMetrics(this.o.report()));
          return;
        case '/healthz':
          send(200, 'text/plain; charset=utf-8', 'ok\n');
          return;
        default:
          send(
            404,
            'text/plain; charset=utf-8',
            `no page ${path}: try /, /api/status or /metrics\n`,
          );
      }
    } catch (err) {
      this.o.log.error({ err, path }, 'status page failed');
      send(500, 'text/plain; charset=utf-8', 'the status could not be made; see the gateway log\n');
    }
  }
}
