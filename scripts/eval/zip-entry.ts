import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/**
 * One file out of a zip archive, read through the central directory (local headers may carry
 * zero sizes when the archiver streamed). Stored and deflated entries only: what `zip` writes.
 * Node has no unzip, and the data sets ship zipped.
 */
export function readZipEntry(zipFile: string, name: string): Buffer {
  const zip = readFileSync(zipFile);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${zipFile}: not a zip archive (no end of central directory)`);
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`${zipFile}: bad central directory`);
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entryName = zip.toString('utf8', p + 46, p + 46 + nameLen);
    names.push(entryName);
    if (entryName === name) {
      const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(dataAt, dataAt + compressed);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`${zipFile}: ${name} uses compression method ${method} (not stored/deflate)`);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${zipFile}: no entry ${name} (has ${names.slice(0, 5).join(', ')})`);
}
