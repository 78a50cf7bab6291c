/** A reading stream is one point of one device; `device/point` is how logs and keys name it. */
export function streamKey(device: string, point: string): string {
  return `${device}/${point}`;
}
