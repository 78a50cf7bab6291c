import type { GpioBackend, GpioLevel, GpioLine, GpioLineOptions } from './gpio-line.js';

/** The part of onoff's Gpio class used here. */
interface OnoffGpio {
  readSync(): GpioLevel;
  writeSync(value: GpioLevel): void;
  watch(callback: (err: Error | null | undefined, value: GpioLevel) => void): void;
  unexport(): void;
}
interface OnoffModule {
  Gpio: {
    accessible: boolean;
    new (
      pin: number,
      direction: string,
      edge: string,
      options: { activeLow: boolean; debounceTimeout: number },
    ): OnoffGpio;
  };
}

/**
 * The kernel's GPIO lines through onoff (sysfs), or undefined where there are none to use
 * (no /sys/class/gpio, or onoff's native addon missing). Loaded on demand so a machine without
 * GPIO never loads the addon.
 */
export async function onoffGpio(): Promise<GpioBackend | undefined> {
  let mod: OnoffModule;
  try {
    mod = (await import('onoff')) as unknown as OnoffModule;
  } catch {
    return undefined;
  }
  if (!mod.Gpio.accessible) return undefined;
  const { Gpio } = mod;
  return {
    kind: 'sysfs',
    open(options: GpioLineOptions): GpioLine {
      const gpio = new Gpio(
        options.pin,
        options.direction,
        options.direction === 'in' ? options.edge : 'none',
        {
          activeLow: options.activeLow,
          debounceTimeout: options.debounceMs,
        },
      );
      return {
        read: () => gpio.readSync(),
        write: (level) => gpio.writeSync(level),
        watch: (onChange) =>
          gpio.watch((err, value) => {
            if (!err) onChange(value);
          }),
        release: () => gpio.unexport(),
      };
    },
  };
}
