import { createHash, timingSafeEqual } from 'node:crypto';
import type { EditorSecrets } from './editor-secrets.js';
import type { GatewayLink } from './gateway-link.js';

/** Node-RED's numeric log levels (its `log` module). */
export const NR_LEVEL = { fatal: 10, error: 20, warn: 30, info: 40, debug: 50, trace: 60 } as const;

export interface NodeRedLogMessage {
  level: number;
  msg?: unknown;
  type?: string;
  id?: string;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * The settings the gateway embeds Node-RED with. Safe by default: the editor and admin API ask
 * for the gateway's own generated login (no default password); flow credentials are encrypted
 * with the gateway's own key; nothing calls out (no telemetry, no update check, no palette
 * catalogue, no installs from the editor); the editor is the whole of its own port.
 */
export function nodeRedSettings(o: {
  userDir: string;
  flowFile: string;
  secrets: EditorSecrets;
  nodesDir?: string[];
  link?: GatewayLink;
  onLog: (m: NodeRedLogMessage) => void;
}): Record<string, unknown> {
  const user = { username: o.secrets.username, permissions: '*' };
  const want = digest(`${o.secrets.username}\n${o.secrets.password}`);
  return {
    userDir: o.userDir,
    flowFile: o.flowFile,
    flowFilePretty: true,
    credentialSecret: o.secrets.credentialSecret,
    httpAdminRoot: '/',
    httpNodeRoot: '/api',
    ...(o.nodesDir ? { nodesDir: o.nodesDir } : {}),
    // The gateway's nodes find the runtime here (RED.settings.edgeGateway).
    ...(o.link ? { edgeGateway: o.link } : {}),
    adminAuth: {
      type: 'credentials',
      users: (username: string) => Promise.resolve(username === user.username ? user : null),
      // Compared in constant time, on digests so the lengths match.
      authenticate: (username: string, password: string) =>
        Promise.resolve(timingSafeEqual(digest(`${username}\n${password}`), want) ? user : null),
    },
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    runtimeState: { enabled: false, ui: false },
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false, allowUpload: false, allowUpdate: false },
      modules: { allowInstall: false },
    },
    editorTheme: {
      palette: { catalogues: [] },
      projects: { enabled: false },
      tours: false,
      page: { title: 'edge-gw · Node-RED' },
      header: { title: 'edge-gw' },
    },
    logging: {
      console: { level: 'off' },
      gateway: {
        level: 'info',
        metrics: false,
        audit: false,
        handler: () => o.onLog,
      },
    },
  };
}
