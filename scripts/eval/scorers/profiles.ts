/** The three NAB application profiles (NAB config/profiles.json; SKAB uses the same weights). */
export interface CostProfile {
  tp: number;
  fp: number;
  fn: number;
}

export const NAB_PROFILES = {
  standard: { tp: 1, fp: 0.11, fn: 1 },
  low_fp: { tp: 1, fp: 0.22, fn: 1 },
  low_fn: { tp: 1, fp: 0.11, fn: 2 },
} as const satisfies Record<string, CostProfile>;

export type ProfileName = keyof typeof NAB_PROFILES;
export const PROFILE_NAMES = Object.keys(NAB_PROFILES) as ProfileName[];

export type ProfileScores = Record<ProfileName, number>;
