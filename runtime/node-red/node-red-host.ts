import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import type { GatewayLink } from './gateway-link.js';
import { ensureEditorSecrets } from './editor-secrets.js';
import { NR_LEVEL, nodeRedSettings, type NodeRedLogMessage } from './node-red-settings.js';

type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** The parts of Node-RED's embedding API (`node-red/lib/red.js`) the gateway uses. */
interface RedRuntime {
  init(server: Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: Handler;
  httpNode: Handler;
  events: {
    once(event: 'flows:started', listener: () => void): void;
    removeListener(event: 'flows:started', listener: () => void): void;
  };
}

export interface NodeRedStatus {
  state: 'starting' | 'running' | 'failed' | 'stopped';
  url: string;
  /** Where the editor's generated login is (mode 0600). */
  secretsFile: string;
  flowFile: string;
  /** Why it is not running, when it failed. */
  reason?: string;
  /** The latest warnings and errors Node-RED reported (a flow file that is not JSON, a node
   * type that is missing, a node's error), newest last. */
  problems: string[];
}

export interface NodeRedHostOptions {
  dataDir: string;
  port: number;
  bind: string;
  /** The site's flow file (default: flows.json in the data directory). */
  flowFile?: string;
  /** Folders of extra nodes (the gateway's own node package). */
  nodesDir?: string[];
  /** What the gateway's nodes reach the runtime through. */
  link?: GatewayLink;
  log: Log;
}

/** What Node-RED reports at warn level on every healthy start of an embedded editor. */
const ROUTINE = [/^Projects disabled/, /^Encrypted credentials not found/];

/** Node-RED keeps process-wide state: one editor per process, and started once (a second
 * init in the same process comes up without loading its flows). */
let claimed = false;
let initialised = false;
const PROBLEMS_KEPT = 20;
/** How long start waits for the site's flows to run before it reports that they do not. */
const FLOWS_START_MS = 10_000;

/**
 * Node-RED embedded in the gateway process, on its own port. It is a guest: whatever goes wrong
 * in it (a port taken, a flow file that is not JSON, a node that throws) is logged and shown in
 * the status, and the gateway goes on collecting and syncing. It starts last and stops first.
 */
export class NodeRedHost implements Component {
  readonly name = 'node-red';
  private server?: Server;
  private red?: RedRuntime;
  private readonly problems: string[] = [];
  private state: NodeRedStatus['state'] = 'stopped';
  private reason?: string;
  private readonly flowFile: string;
  private secretsFile: string;
  private claimedHere = false;

  constructor(private readonly o: NodeRedHostOptions) {
    this.flowFile = o.flowFile ?? join(o.dataDir, 'flows.json');
    this.secretsFile = join(o.dataDir, 'secrets', 'node-red.json');
  }

  async start(): Promise<void> {
    this.state = 'starting';
    try {
      await this.startRed();
      this.state = 'running';
      this.o.log.info({ url: this.url(), login: this.secretsFile }, 'Node-RED editor started');
    } catch (e) {
      this.state = 'failed';
      this.reason = e instanceof Error ? e.message : String(e);
      this.o.log.error(
        { reason: this.reason },
        'Node-RED did not start; the gateway runs without it',
      );
      await this.release();
    }
  }

  async stop(): Promise<void> {
    await this.release();
    if (this.state !== 'failed') this.state = 'stopped';
  }

  status(): NodeRedStatus {
    return {
      state: this.state,
      url: this.url(),
      secretsFile: this.secretsFile,
      flowFile: this.flowFile,
      ...(this.reason ? { reason: this.reason } : {}),
      problems: [...this.problems],
    };
  }

  url(): string {
    const host = this.o.bind === '0.0.0.0' ? '127.0.0.1' : this.o.bind;
    const port = (this.server?.address() as { port?: number } | null)?.port ?? this.o.port;
    return `http://${host}:${String(port)}/`;
  }

  private async startRed(): Promise<void> {
    if (claimed) throw new Error('another Node-RED already runs in this process');
    if (initialised)
      throw new Error(
        'Node-RED starts once per process; restart the gateway process to start it again',
      );
    claimed = true;
    this.claimedHere = true;
    const { secrets, file, created, loosePermissions } = ensureEditorSecrets(this.o.dataDir);
    this.secretsFile = file;
    if (created) this.o.log.info({ file }, 'generated the Node-RED editor login');
    if (loosePermissions)
      this.o.log.warn({ file }, 'the editor login file can be read by others: chmod 600 it');
    const red = createRequire(import.meta.url)('node-red') as RedRuntime;
    let ready = false;
    const server = createServer((req, res) => {
      if (!ready) {
        res.statusCode = 503;
        res.end('Node-RED is starting\n');
        return;
      }
      red.httpAdmin(req, res, () => {
        red.httpNode(req, res, () => {
          res.statusCode = 404;
          res.end();
        });
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.bind, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Listening first: a port already taken fails before Node-RED's one init is spent.
    initialised = true;
    this.red = red;
    red.init(
      server,
      nodeRedSettings({
        userDir: join(this.o.dataDir, 'node-red'),
        flowFile: this.flowFile,
        secrets,
        ...(this.o.nodesDir ? { nodesDir: this.o.nodesDir } : {}),
        ...(this.o.link ? { link: this.o.link } : {}),
        onLog: (m) => this.onLog(m),
      }),
    );
    ready = true;
    // start() resolves before the flows run; "running" means they do (or says why not).
    let flowsStarted!: () => void;
    const started = new Promise<boolean>((resolve) => {
      flowsStarted = () => resolve(true);
      red.events.once('flows:started', flowsStarted);
    });
    await red.start();
    const timeout = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), FLOWS_START_MS);
      void started.then(() => clearTimeout(t));
    });
    if (!(await Promise.race([started, timeout]))) {
      red.events.removeListener('flows:started', flowsStarted);
      this.note(
        `the flows had not started ${String(FLOWS_START_MS / 1000)} s after Node-RED (a node type missing?)`,
      );
    }
  }

  /** Keeps a problem for the status (the latest few) and logs it. */
  private note(problem: string, level: 'warn' | 'error' = 'warn'): void {
    this.problems.push(problem);
    if (this.problems.length > PROBLEMS_KEPT) this.problems.shift();
    this.o.log[level]({ nodeRed: true }, problem);
  }

  private onLog(m: NodeRedLogMessage): void {
    if (m.level > NR_LEVEL.info) return;
    const text = `${m.type ? `[${m.type}${m.id ? `:${m.id}` : ''}] ` : ''}${
      typeof m.msg === 'string'
        ? m.msg
        : m.msg instanceof Error
          ? m.msg.message
          : JSON.stringify(m.msg)
    }`;
    if (m.level <= NR_LEVEL.warn && !ROUTINE.some((r) => r.test(text)))
      this.note(text, m.level <= NR_LEVEL.error ? 'error' : 'warn');
    else this.o.log.debug({ nodeRed: true }, text);
  }

  private async release(): Promise<void> {
    const { red, server } = this;
    this.red = undefined;
    this.server = undefined;
    // Stopping a runtime that never started throws: nothing more to release in it then.
    if (red) await red.stop().catch(() => undefined);
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.claimedHere) claimed = false;
    this.claimedHere = false;
  }
}
