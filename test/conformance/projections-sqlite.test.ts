import { afterAll } from 'vitest';
import { openStore, type EventStore } from '../../src/index.js';
import { runProjectionConformance } from '../../src/testing/index.js';
import { createTempDir } from '../helpers/temp-dir.js';

// A new file per pair, its own read models; reopen is a second connection to the same file.
const dir = createTempDir();
afterAll(() => dir.remove());
const files = new WeakMap<EventStore, string>();
let count = 0;

async function open(file: string) {
  const events = await openStore(`sqlite:${file}`);
  files.set(events, file);
  return { events, readModels: events.readModelStore() };
}

runProjectionConformance({
  name: 'sqlite',
  create: () => open(dir.file(`projections-${++count}.db`)),
  reopen: ({ events }) => open(files.get(events)!),
  skip: [],
});
