/**
 * The child process of the `peak-rss` case: projects the log of a SQLite file from 0 to its head
 * and prints one JSON line: its peak resident set (process.resourceUsage().maxRSS, KiB), the
 * events and the seconds it took. Run as `node rss-child.js <annals|raw> <file> <pageSize>`.
 * Annals runs the counting and the document-per-event projections together (runProjections);
 * raw runs the same two by hand (RawProjector), one after the other.
 */
import { openStore, runProjections } from '../../src/index.js';
import { RawProjector } from './raw-projector.js';
import { RawSqliteDriver } from './raw-sqlite-driver.js';
import { countingProjection, entriesProjection } from './workload.js';

const [mode, file, pageSizeText] = process.argv.slice(2);
const pageSize = Number(pageSizeText);
const start = process.hrtime.bigint();
let events: number;
if (mode === 'annals') {
  const store = await openStore(`sqlite:${file}`, { pageSize });
  events = await store.headPosition();
  const running = await runProjections(store, [countingProjection('rss-count'), entriesProjection('rss-entries')], { batchSize: pageSize });
  await running.caughtUp();
  await running.stop();
  await store.close();
} else if (mode === 'raw') {
  const driver = new RawSqliteDriver(file!, 'full');
  events = 0;
  for (const kind of ['counting', 'entries'] as const) {
    const projector = new RawProjector(driver, kind, `rss_${kind}`, pageSize);
    await projector.prepare();
    events = await projector.catchUp();
  }
  await driver.close();
} else {
  throw new Error(`mode must be annals or raw, not ${mode}`);
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(`${JSON.stringify({ maxRssKib: process.resourceUsage().maxRSS, events, seconds })}\n`);
