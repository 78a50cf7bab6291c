import { execFile } from 'node:child_process';

/** Sends one sd_notify message; the default runs systemd-notify (Node has no unix datagram
 * sockets). systemd-notify waits until the manager has the message (sd_notify_barrier, systemd
 * 246 and later), so the unit's NotifyAccess=all attributes it to the gateway. */
export type NotifySender = (assignments: string[]) => void;

const systemdNotify: NotifySender = (assignments) => {
  execFile('systemd-notify', assignments, { timeout: 5_000 }, () => {
    // Nothing to do on failure: a missed ping is what the watchdog is there to notice.
  });
};

export interface Notifier {
  /** The gateway runs: READY=1, and the watchdog pings start. */
  ready(status: string): void;
  stopping(): void;
}

/**
 * Talks to systemd when the gateway runs as a Type=notify service (NOTIFY_SOCKET is set), and
 * does nothing otherwise. With WatchdogSec it pings at half the interval, but only while
 * `healthy()` holds: a timer that fires proves the event loop turns; `healthy` adds that the
 * store is still open. A gateway that hangs stops pinging and systemd restarts it.
 */
export function systemdNotifier(
  healthy: () => boolean,
  env: NodeJS.ProcessEnv = process.env,
  send: NotifySender = systemdNotify,
): Notifier {
  if (!env.NOTIFY_SOCKET) return { ready: () => undefined, stopping: () => undefined };
  const usec = Number(env.WATCHDOG_USEC);
  const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
  let timer: NodeJS.Timeout | undefined;
  return {
    ready(status) {
      send(['READY=1', `STATUS=${status}`]);
      if (usec > 0 && forUs)
        timer = setInterval(() => {
          if (healthy()) send(['WATCHDOG=1']);
        }, usec / 2_000);
    },
    stopping() {
      clearInterval(timer);
      send(['STOPPING=1']);
    },
  };
}
