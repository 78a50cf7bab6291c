/**
 * A one-line progress bar on stderr when it is a terminal; on a pipe or in a log nothing is
 * drawn (callers print results as lines instead), so output stays readable everywhere.
 */
export class ProgressBar {
  private readonly tty: boolean;
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, note = ''): void {
    if (!this.tty) return;
    const now = Date.now();
    if (done < this.total && now - this.lastDraw < 50) return;
    this.lastDraw = now;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    this.stream.write(
      `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${note}\x1b[K`,
    );
  }

  done(): void {
    if (this.tty) this.stream.write('\n');
  }
}
