import type { Database, Statement } from 'better-sqlite3';

/**
 * Commands already executed, by id, with the answer they got: a command delivered twice (QoS 1
 * after a lost PUBACK, or a replayed message) is answered again and never executed again.
 */
export class CommandsTable {
  private readonly getStmt: Statement<[string], { name: string; result: string }>;
  private readonly putStmt: Statement<[string, string, number, string]>;
  private readonly pruneStmt: Statement<[number]>;

  constructor(db: Database) {
    this.getStmt = db.prepare('SELECT name, result FROM commands WHERE id = ?');
    this.putStmt = db.prepare(
      'INSERT OR IGNORE INTO commands (id, name, received_ms, result) VALUES (?, ?, ?, ?)',
    );
    this.pruneStmt = db.prepare('DELETE FROM commands WHERE received_ms < ?');
  }

  get(id: string): { name: string; result: string } | undefined {
    return this.getStmt.get(id);
  }

  put(id: string, name: string, receivedMs: number, result: string): void {
    this.putStmt.run(id, name, receivedMs, result);
  }

  /** Forgets ids older than any command the gateway would still accept. */
  prune(beforeMs: number): number {
    return this.pruneStmt.run(beforeMs).changes;
  }
}
