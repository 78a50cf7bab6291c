import { dirname, resolve } from 'node:path';
import { DeviceCatalogue } from '../devices/catalogue.js';
import { DocumentError, readDocument, type LocatedIssue } from '../shared/document.js';
import { fillDefaults } from '../shared/fill-defaults.js';
import { schemaIssues, show, type SchemaIssue } from '../shared/schema-issues.js';
import { CONFIG_VERSION, ConfigSchema, type SiteConfig } from './schema.js';
import { crossCheck } from './cross-check.js';

export const CONFIG_KIND = 'site config';

export interface LoadConfigOptions {
  /** The device catalogue profiles are checked against; the shipped one by default. */
  catalogue?: DeviceCatalogue;
}

/**
 * Reads, validates and resolves a site config file (YAML, or JSON by extension). On any problem
 * it throws a DocumentError listing every problem found, each with the file, line, the path to
 * the field, what was wrong and what is allowed. Reads local files only; touches no network and
 * no device, so `edge-gw check` is safe anywhere.
 */
export function loadConfig(file: string, options: LoadConfigOptions = {}): SiteConfig {
  const doc = readDocument(file, CONFIG_KIND);
  const fail = (issues: SchemaIssue[]): never => {
    throw new DocumentError(
      file,
      CONFIG_KIND,
      issues.map((i): LocatedIssue => ({ ...i, ...doc.locate(i.path, i.atKey) })),
    );
  };

  if (!doc.data || typeof doc.data !== 'object' || Array.isArray(doc.data))
    fail([
      {
        path: [],
        problem: `the top level is ${Array.isArray(doc.data) ? 'a list' : show(doc.data)}`,
        allowed: 'an object with fields version, gateway, buses, devices, upstream, ...',
      },
    ]);

  const versionIssue = checkVersion((doc.data as { version?: unknown }).version);
  if (versionIssue) fail([versionIssue]);

  const data = fillDefaults(ConfigSchema, doc.data);
  const issues = schemaIssues(ConfigSchema, data);
  if (issues.length > 0) fail(issues);

  const baseDir = dirname(resolve(file));
  const config = resolvePaths(data as SiteConfig, baseDir);
  const semantic = crossCheck(config, options.catalogue ?? DeviceCatalogue.load());
  if (semantic.length > 0) fail(semantic);
  return config;
}

/** Older versions would be migrated here, one step at a time; version 1 is the first. */
function checkVersion(version: unknown): SchemaIssue | undefined {
  if (version === undefined)
    return {
      path: ['version'],
      problem: 'missing (the first line of a site config says which schema it follows)',
      allowed: String(CONFIG_VERSION),
    };
  if (typeof version === 'number' && Number.isInteger(version) && version > CONFIG_VERSION)
    return {
      path: ['version'],
      problem: `version ${version} is newer than this edge-gw understands; upgrade edge-gw`,
      allowed: String(CONFIG_VERSION),
    };
  if (version !== CONFIG_VERSION)
    return {
      path: ['version'],
      problem: `${show(version)} is not a config version`,
      allowed: String(CONFIG_VERSION),
    };
  return undefined;
}

function resolvePaths(config: SiteConfig, baseDir: string): SiteConfig {
  const abs = (p: string): string => resolve(baseDir, p);
  const out = structuredClone(config);
  out.gateway.dataDir = abs(out.gateway.dataDir);
  if (out.upstream.passwordFile) out.upstream.passwordFile = abs(out.upstream.passwordFile);
  const tls = out.upstream.tls;
  if (tls) {
    if (tls.ca) tls.ca = abs(tls.ca);
    if (tls.cert) tls.cert = abs(tls.cert);
    if (tls.key) tls.key = abs(tls.key);
  }
  const commands = out.upstream.commands;
  if (commands?.hmacKeyFile) commands.hmacKeyFile = abs(commands.hmacKeyFile);
  if (commands?.ed25519PublicKeyFile)
    commands.ed25519PublicKeyFile = abs(commands.ed25519PublicKeyFile);
  for (const model of out.models) model.bundle = abs(model.bundle);
  for (const zone of out.crowd.zones) if (zone.bundle) zone.bundle = abs(zone.bundle);
  if (out.nodeRed.flowFile) out.nodeRed.flowFile = abs(out.nodeRed.flowFile);
  if (out.crowd.forecastBundle) out.crowd.forecastBundle = abs(out.crowd.forecastBundle);
  return out;
}
