import type { GpioBackend, GpioLevel, GpioLine, GpioLineOptions } from './gpio-line.js';

interface SimulatedLine {
  options: GpioLineOptions;
  /** The level at the pin, before active-low inversion. */
  physical: GpioLevel;
  watchers: ((level: GpioLevel) => void)[];
  released: boolean;
}

/**
 * GPIO lines in memory, for machines without /sys/class/gpio (a laptop, CI) and for tests. The
 * gateway uses it exactly as it uses the real lines; a test (or `edge-gw simulate`) drives the
 * inputs with `setInput` and `pulse`, and reads the outputs with `outputLevel`.
 */
export class SimulatedGpio implements GpioBackend {
  readonly kind = 'simulated';
  private readonly lines = new Map<number, SimulatedLine>();

  open(options: GpioLineOptions): GpioLine {
    if (this.lines.get(options.pin)?.released === false)
      throw new Error(`GPIO ${options.pin} is already in use`);
    const line: SimulatedLine = {
      options,
      physical: options.activeLow ? 1 : 0,
      watchers: [],
      released: false,
    };
    this.lines.set(options.pin, line);
    const logical = (): GpioLevel => (line.physical ^ (options.activeLow ? 1 : 0)) as GpioLevel;
    return {
      read: logical,
      write: (level) => {
        if (options.direction !== 'out') throw new Error(`GPIO ${options.pin} is an input`);
        line.physical = (level ^ (options.activeLow ? 1 : 0)) as GpioLevel;
      },
      watch: (onChange) => void line.watchers.push(onChange),
      release: () => {
        line.released = true;
        line.watchers = [];
      },
    };
  }

  /** Sets an input's logical level, firing the watchers the edge concerns. */
  setInput(pin: number, level: GpioLevel): void {
    const line = this.mustGet(pin);
    const activeLow = line.options.activeLow ? 1 : 0;
    const before = (line.physical ^ activeLow) as GpioLevel;
    if (before === level) return;
    line.physical = (level ^ activeLow) as GpioLevel;
    const edge = line.options.edge;
    if (
      edge === 'both' ||
      (edge === 'rising' && level === 1) ||
      (edge === 'falling' && level === 0)
    )
      for (const w of line.watchers) w(level);
  }

  /** `count` full pulses (rising then falling) on an input. */
  pulse(pin: number, count = 1): void {
    for (let i = 0; i < count; i++) {
      this.setInput(pin, 1);
      this.setInput(pin, 0);
    }
  }

  outputLevel(pin: number): GpioLevel {
    const line = this.mustGet(pin);
    return (line.physical ^ (line.options.activeLow ? 1 : 0)) as GpioLevel;
  }

  isOpen(pin: number): boolean {
    return this.lines.get(pin)?.released === false;
  }

  private mustGet(pin: number): SimulatedLine {
    const line = this.lines.get(pin);
    if (!line || line.released) throw new Error(`GPIO ${pin} is not open`);
    return line;
  }
}
