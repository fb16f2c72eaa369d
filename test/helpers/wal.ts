import { existsSync, readFileSync } from 'node:fs';

const HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;

/**
 * Reads a SQLite write-ahead log as it was left on disk (before anyone opens the database
 * and recovers it) and counts its frames, those after the last commit frame (pages of
 * a transaction that was being written when its process died), and its commit frames: the
 * transactions it holds (since the log last started over, after a checkpoint). Frames of an older
 * generation of the log (other salts) end the walk, as they do for SQLite.
 * See https://sqlite.org/fileformat2.html#walformat
 */
export function inspectWal(path: string): { frames: number; uncommittedFrames: number; commits: number } {
  if (!existsSync(path)) return { frames: 0, uncommittedFrames: 0, commits: 0 };
  const wal = readFileSync(path);
  if (wal.length < HEADER_BYTES) return { frames: 0, uncommittedFrames: 0, commits: 0 };
  const pageSize = wal.readUInt32BE(8);
  const salts = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let frames = 0;
  let lastCommit = -1;
  let commits = 0;
  for (let at = HEADER_BYTES; at + FRAME_HEADER_BYTES + pageSize <= wal.length; at += FRAME_HEADER_BYTES + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salts[0] || wal.readUInt32BE(at + 12) !== salts[1]) break;
    // A commit frame records the database size in pages; other frames record 0.
    if (wal.readUInt32BE(at + 4) !== 0) {
      lastCommit = frames;
      commits++;
    }
    frames++;
  }
  return { frames, uncommittedFrames: frames - 1 - lastCommit, commits };
}
