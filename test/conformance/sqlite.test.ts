import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore, type EventStore } from '../../src/index.js';
import { runEventStoreConformance } from '../../src/testing/index.js';

// One directory per run, one fresh file per store; removed (with -wal and -shm files) at the end.
const directory = mkdtempSync(join(tmpdir(), 'annals-conformance-'));
const files = new WeakMap<EventStore, string>();
let count = 0;

async function open(file: string, groupCommit: boolean): Promise<EventStore> {
  const store = await openStore(`sqlite:${file}`, { groupCommit });
  files.set(store, file);
  return store;
}

afterAll(() => rmSync(directory, { recursive: true, force: true }));

// Appends grouped into shared transactions (the default), and each in a transaction of its own.
for (const groupCommit of [true, false]) {
  runEventStoreConformance({
    name: groupCommit ? 'sqlite' : 'sqlite (groupCommit: false)',
    create: () => open(join(directory, `store-${++count}.db`), groupCommit),
    reopen: (store) => open(files.get(store)!, groupCommit),
    skip: [],
  });
}
