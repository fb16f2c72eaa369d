// A member of the benchmark's consumer group, in a process of its own (bench/groups/*-case.ts):
// argv = [url, schema, owner, leaseTtlMs, workUs] (workUs: CPU time spent on each event). Opens the store, prints `ready`, starts running the
// partitioned counting projection on `go` (stdin), and stops, closes and exits on `stop`.
import { createInterface } from 'node:readline';
import { openStore, runProjections, type RunningProjections } from '../../src/index.js';
import { countingWith } from './workload.js';

const [url, schema, owner, ttl, workUs = '0'] = process.argv.slice(2) as [string, string, string, string, string?];
const store = await openStore(url, { schema });
let running: RunningProjections | undefined;
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    running = await runProjections(store, [countingWith(Number(workUs))], { owner, leaseTtlMs: Number(ttl), batchSize: 500 });
    process.stdout.write('running\n');
  } else if (line === 'stop') {
    break;
  }
}
await running?.stop();
await store.close();
process.exit(0);
