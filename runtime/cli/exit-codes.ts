/** Exit codes every edge-gw command uses, so scripts on a field laptop can rely on them. */
export const EXIT = {
  ok: 0,
  /** The input was read but is wrong (an invalid config), or the command failed. */
  failed: 1,
  /** The command line itself was wrong (unknown option, missing argument). */
  usage: 2,
  /** Stopped by Ctrl-C before finishing. */
  interrupted: 130,
} as const;
