import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory under the system's temp dir; `remove` deletes it unless asked to keep it. */
export function tempDirectory(prefix: string, keep: boolean): { readonly path: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `annals-bench-${prefix}-`));
  return {
    path: dir,
    remove: () => {
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}
