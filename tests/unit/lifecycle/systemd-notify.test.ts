import { describe, expect, it } from 'vitest';
import { systemdNotifier } from '../../../runtime/lifecycle/systemd-notify.js';
import { waitFor } from '../../harness/wait-for.js';

const SYSTEMD = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '20000' };

/** A notifier whose health checks are counted: the sentinel that time has passed. */
function counted(env: NodeJS.ProcessEnv, healthy: () => boolean) {
  const sent: string[][] = [];
  const state = { asked: 0 };
  const n = systemdNotifier(
    () => {
      state.asked++;
      return healthy();
    },
    env,
    (a) => sent.push(a),
  );
  return { n, sent, state, pings: () => sent.filter((a) => a[0] === 'WATCHDOG=1').length };
}

describe('systemdNotifier', () => {
  it('says nothing outside systemd', () => {
    const { n, sent } = counted({}, () => true);
    n.ready('x');
    n.stopping();
    expect(sent).toEqual([]);
  });

  it('reports ready, pings while healthy, stops pinging when not, and says stopping', async () => {
    let healthy = true;
    const c = counted(SYSTEMD, () => healthy);
    c.n.ready('collecting from 2 devices');
    expect(c.sent[0]).toEqual(['READY=1', 'STATUS=collecting from 2 devices']);
    await waitFor(() => c.pings() >= 2, 'two watchdog pings');
    healthy = false;
    const pingsThen = c.pings();
    const askedThen = c.state.asked;
    await waitFor(() => c.state.asked >= askedThen + 3, 'three more health checks');
    expect(c.pings()).toBe(pingsThen);
    c.n.stopping();
    expect(c.sent.at(-1)).toEqual(['STOPPING=1']);
  });

  it('leaves the watchdog to the process it was meant for', async () => {
    const other = counted({ ...SYSTEMD, WATCHDOG_PID: String(process.pid + 1) }, () => true);
    const ours = counted({ ...SYSTEMD, WATCHDOG_PID: String(process.pid) }, () => true);
    other.n.ready('a');
    ours.n.ready('b');
    await waitFor(() => ours.pings() >= 3, 'three pings from the notifier meant for us');
    other.n.stopping();
    ours.n.stopping();
    expect(other.state.asked).toBe(0);
    expect(other.sent.map((a) => a[0])).toEqual(['READY=1', 'STOPPING=1']);
  });
});
