/**
 * Progress on stderr. On a terminal, a one-line bar redrawn in place. On a pipe or in a log, a
 * plain line at each tenth of the way and at the end, so a long run in the background (a
 * 20-minute training, a CI log) still says how far it is, in at most eleven lines.
 */
export class ProgressBar {
  private readonly tty: boolean;
  private lastDraw = 0;
  /** Tenths of the way already reported as lines (off a terminal). */
  private tenths = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, note = ''): void {
    if (!this.tty) {
      const tenths = Math.floor((Math.min(done, this.total) / Math.max(1, this.total)) * 10);
      if (tenths <= this.tenths) return;
      this.tenths = tenths;
      this.stream.write(
        `${this.label} ${String(done)}/${String(this.total)} (${String(tenths * 10)} %)${note ? ` ${note}` : ''}\n`,
      );
      return;
    }
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
    else if (this.tenths < 10) this.stream.write(`${this.label} done\n`);
  }
}
