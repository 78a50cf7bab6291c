/**
 * An exponentially weighted running mean and variance (Finch, "Incremental calculation of
 * weighted mean and variance", 2009): a slow level and how far values stray from it, in constant
 * memory. `rate` is the weight of each new value.
 */
export class RunningLevel {
  mean = 0;
  variance = 0;

  constructor(private readonly rate: number) {}

  learn(x: number): void {
    const d = x - this.mean;
    this.mean += this.rate * d;
    this.variance = (1 - this.rate) * (this.variance + this.rate * d * d);
  }
}
