export type GpioLevel = 0 | 1;
export type GpioEdge = 'none' | 'rising' | 'falling' | 'both';

/** One GPIO line, in or out, with values already inverted for active-low wiring. */
export interface GpioLine {
  read(): GpioLevel;
  write(level: GpioLevel): void;
  /** Calls `onChange` on each edge the line was opened for. */
  watch(onChange: (level: GpioLevel) => void): void;
  release(): void;
}

export interface GpioLineOptions {
  pin: number;
  direction: 'in' | 'out';
  edge: GpioEdge;
  activeLow: boolean;
  debounceMs: number;
}

/** Where lines come from: the kernel (through onoff), or a fake with the same behaviour. */
export interface GpioBackend {
  readonly kind: 'sysfs' | 'simulated';
  open(options: GpioLineOptions): GpioLine;
}
