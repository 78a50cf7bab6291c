/** Addresses only this machine can reach: the only ones a page may be served on without a login. */
export function isLoopback(bind: string): boolean {
  return bind === 'localhost' || bind === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bind);
}
