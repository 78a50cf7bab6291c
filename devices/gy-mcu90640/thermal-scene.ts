import {
  ThermalScene as GeneratedScene,
  footprint,
  type Person,
} from '../../models/crowd/thermal-generator.js';

const WALK_M_PER_S = 1.2;
/** How long the crowd takes to swell and ebb, s: the demo's level of service changes. */
const TIDE_S = 600;

/**
 * The GY-MCU90640 simulator's scene: the crowd model's frame generator (models/crowd) with
 * people walking through the view, their number swelling from one to `people` and ebbing
 * again every ten minutes, so the demo and the tests see moving people and changing crowds.
 */
export class ThermalScene {
  private readonly scene: GeneratedScene;
  private readonly heading = new Map<Person, number>();
  private lastMs?: number;

  constructor(
    private readonly options: { seed?: number; people?: number; ambientC?: number } = {},
  ) {
    this.scene = new GeneratedScene({
      seed: options.seed ?? 9,
      people: 0,
      ambientC: options.ambientC ?? 21,
      heightM: 4,
    });
  }

  /** People in view at `wallMs` (the tide's target): from one to `people`. */
  wanted(wallMs: number): number {
    const max = this.options.people ?? 2;
    const tide = (1 - Math.cos((2 * Math.PI * (wallMs / 1000)) / TIDE_S)) / 2;
    return Math.min(max, Math.max(1, Math.round(max * tide)));
  }

  /** °C per pixel, row by row. */
  frame(wallMs: number): Float32Array {
    const dt = this.lastMs === undefined ? 0 : Math.max(0, (wallMs - this.lastMs) / 1000);
    this.lastMs = wallMs;
    this.walk(dt, this.wanted(wallMs));
    return this.scene.frame().pixels;
  }

  private walk(dtS: number, wanted: number): void {
    const s = this.scene.settings;
    const r = this.scene.random;
    const { widthM, depthM } = footprint(s);
    const k = s.heightM / (s.heightM - 1.7);
    const inView = (p: Person): boolean =>
      Math.abs(p.x * k) <= widthM / 2 && Math.abs(p.y * k) <= depthM / 2;
    for (const p of this.scene.people) {
      const a = this.heading.get(p) ?? 0;
      p.x += Math.cos(a) * WALK_M_PER_S * dtS;
      p.y += Math.sin(a) * WALK_M_PER_S * dtS;
    }
    // People who walked out are gone; the tide brings new ones in at an edge.
    this.scene.people = this.scene.people.filter(inView).slice(0, wanted);
    while (this.scene.people.length < wanted) {
      const a = r() * 2 * Math.PI;
      const p: Person = {
        x: (-Math.cos(a) * widthM) / 2 / k / 1.05,
        y: ((r() - 0.5) * depthM) / k,
        heightM: 1.5 + 0.4 * r(),
        widthM: 0.38 + 0.12 * r(),
        insulation: 0.35 + 0.3 * r(),
      };
      this.heading.set(p, a);
      this.scene.people.push(p);
    }
  }
}
