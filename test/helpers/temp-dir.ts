import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly path: string;
  /** A path inside the directory (nothing is created). */
  file(name: string): string;
  /** Deletes the directory and everything in it. */
  remove(): void;
}

/** A fresh directory for a test file's databases, so parallel test files never share one. */
export function createTempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'annals-test-'));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
