/** One line of `edge-gw doctor`: what was checked, how it went, and what to do about it. */
export interface CheckResult {
  /** Short, stable: `config`, `serial rs485`, `device meter`, `upstream tls`. */
  name: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  /** What the engineer should do; given for every warn and fail. */
  fix?: string;
}

const MARK: Record<CheckResult['status'], string> = {
  ok: '[ ok ]',
  warn: '[warn]',
  fail: '[FAIL]',
  skip: '[skip]',
};

export function formatCheck(c: CheckResult, nameWidth: number): string {
  return `${MARK[c.status]} ${c.name.padEnd(nameWidth)}  ${c.detail}${c.fix ? ` -> ${c.fix}` : ''}`;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: 'warn',
  detail,
  fix,
});
export const fail = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: 'fail',
  detail,
  fix,
});
export const skip = (name: string, detail: string): CheckResult => ({
  name,
  status: 'skip',
  detail,
});
