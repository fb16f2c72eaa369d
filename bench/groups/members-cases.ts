import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openStore, type EventStore } from '../../src/index.js';
import { generationCheckpoint } from '../../src/projection/partitions.js';
import { formatCount, formatShortCount } from '../lib/format.js';
import type { BenchOptions, Measurement } from '../lib/types.js';
import type { CaseRow } from '../lib/verdict.js';
import { connect, dropSchema, schemaName } from '../postgres/connection.js';
import { writeLog } from '../projections/workload.js';
import { MemberProcess, partitionedCounting } from './workload.js';

/** What the member cases need: the PostgreSQL to run against, and where to report. */
export interface MembersContext {
  readonly url: string;
  readonly options: BenchOptions;
  readonly onProgress: (fraction: number, status: string) => void;
  readonly note: (line: string) => void;
}

/** Events the catch-up case projects: the default, and with --full. */
const CATCH_UP_EVENTS = { quick: 600_000, full: 2_000_000 } as const;
/** Kills the failover case measures. */
const KILLS = 10;
/** The failover case's lease: the default a user gets. */
const FAILOVER_TTL_MS = 10_000;

/** Runs `body` with a schema of its own (removed after). */
async function withSchema<T>(url: string, part: string, body: (schema: string, admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = await connect(url, 'annals-bench-admin');
  const schema = schemaName(`annals_bench_${process.pid}`, `groups_${part}`);
  try {
    return await body(schema, admin);
  } finally {
    await dropSchema(admin, schema).catch(() => undefined);
    await admin.end();
  }
}

/** Forgets the group projection's progress and documents, so the next members build it from the start. */
async function resetProjection(store: EventStore, admin: pg.Client, schema: string): Promise<void> {
  const readModels = store.readModelStore();
  await readModels.drop([...partitionedCounting.specsAt(100).values()]);
  const s = pg.escapeIdentifier(schema);
  await admin.query(`DELETE FROM ${s}.projection_states WHERE projection = $1`, [partitionedCounting.name]);
  await admin.query(`DELETE FROM ${s}.group_members WHERE projection = $1`, [partitionedCounting.name]);
  await admin.query(`DELETE FROM ${s}.live_versions WHERE projection = $1`, [partitionedCounting.name]);
}

/** Starts `count` member processes and waits until each has opened the store. */
async function startMembers(url: string, schema: string, owners: readonly string[], ttlMs: number, workUs = 0): Promise<MemberProcess[]> {
  const members = owners.map((owner) => new MemberProcess(url, schema, owner, ttlMs, workUs));
  await Promise.all(members.map((member) => member.printed('ready')));
  return members;
}

function once(events: number, seconds: number): Measurement {
  return { operations: 1, events, totalNs: seconds * 1e9, eventsPerSecond: events / seconds, p50Ns: Number.NaN, p99Ns: Number.NaN };
}

/** The catch-up runs: the plain counting projection, and one whose apply spends 100 µs of CPU per event. */
const CATCH_UPS = [
  { workUs: 0, events: CATCH_UP_EVENTS, what: 'the counting projection' },
  { workUs: 100, events: { quick: 60_000, full: 200_000 }, what: 'the counting projection spending 100 µs of CPU per event' },
] as const;

/**
 * `group-catch-up`: a PostgreSQL log of 600k events (2M with --full) over 100 streams, projected
 * from the start by the 16-partition counting projection run by 1, 2 and 3 member processes
 * (each with its own connection pool), timed from the moment every member holds its share of
 * the partitions (a member that joins is dealt its share at the others' next heartbeat): the
 * events left then ÷ the time until every partition's checkpoint reached the head. Then the same
 * with 60k events (200k) and an apply that spends 100 µs of CPU per event. The ratio is each
 * count's rate ÷ one member's (no target: the machine's cores bound it).
 */
export async function groupCatchUp({ url, options, onProgress, note }: MembersContext): Promise<CaseRow[]> {
  const rows: CaseRow[] = [];
  for (const [run, { workUs, events: sizes, what }] of CATCH_UPS.entries()) {
    const events = options.full ? sizes.full : sizes.quick;
    const share = (fraction: number, status: string) => onProgress((run + fraction) / CATCH_UPS.length, status);
    rows.push(...(await withSchema(url, `catch_up_${run}`, async (schema, admin) => {
      const store = await openStore(url, { schema, pageSize: options.pageSize });
      try {
        await writeLog(store, events, (n) => share((0.4 * n) / events, `writing the log: ${formatShortCount(n)}`));
        await store.preparePartitions(16);
        const head = await store.headPosition();
        const seconds: number[] = [];
        const applied: number[] = [];
        for (const count of [1, 2, 3]) {
          await resetProjection(store, admin, schema);
          const owners = Array.from({ length: count }, (_, i) => `member-${count}-${i}`);
          const members = await startMembers(url, schema, owners, 10_000, workUs);
          for (const member of members) member.send('go');
          // Timed from the moment every member holds its share (a member that joins is dealt
          // partitions at the others' next heartbeat): the events left then, over the time to the head.
          const shares = await sharedBy(store, owners);
          const started = performance.now();
          const left = await eventsLeft(admin, schema, shares);
          while ((await generationCheckpoint(store.readModelStore(), partitionedCounting, 100)) < head) await sleep(20);
          seconds.push((performance.now() - started) / 1000);
          applied.push(left);
          await Promise.all(members.map((member) => member.stop()));
          share(0.4 + 0.2 * count, `${count} member(s): ${formatCount(applied.at(-1)! / seconds.at(-1)!)} ev/s`);
        }
        const rate = (i: number) => applied[i]! / seconds[i]!;
        note(`groups · group-catch-up (${what}): ${seconds.map((_, i) => `${i + 1} member(s) ${formatCount(rate(i))} ev/s`).join(', ')} (the machine's cores are shared with PostgreSQL)`);
        return seconds.map((_, i) => ({
          name: 'group-catch-up',
          label: `catch-up of ${formatShortCount(events)}${workUs > 0 ? `, ${workUs} µs CPU/event,` : ''} by ${i + 1} member${i === 0 ? '' : 's'} (${(rate(i) / rate(0)).toFixed(2)}× one)`,
          description: `${events} events projected from the start by ${what}, 16 partitions, run by ${i + 1} member process(es), timed from when every member holds its share: events left then ÷ the time to the head; raw = one member; ratio = this count's rate ÷ one member's`,
          annals: once(applied[i]!, seconds[i]!),
          raw: once(applied[0]!, seconds[0]!),
          pairRatios: [],
          target: undefined,
        }));
      } finally {
        await store.close();
      }
    })));
  }
  return rows;
}

/**
 * `group-failover`: three member processes run the group projection (the default 10 s lease)
 * while events keep arriving; one is killed with SIGKILL, and the time until every partition it
 * held is held by another member is measured; a new member replaces it; 10 times. Reported:
 * the median and the longest. The ratio is the longest ÷ (the lease's ttl + 2 s), target ≤ 1.
 */
export async function groupFailover({ url, options, onProgress, note }: MembersContext): Promise<CaseRow[]> {
  return withSchema(url, 'failover', async (schema) => {
    const store = await openStore(url, { schema, pageSize: options.pageSize });
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        await store.append(`account-${n % 100}`, [{ type: 'MoneyDeposited', data: { amount: 1 } }]);
        await sleep(5);
      }
    })();
    const members = await startMembers(url, schema, ['m-0', 'm-1', 'm-2'], FAILOVER_TTL_MS);
    for (const member of members) member.send('go');
    const times: number[] = [];
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        const holders = await sharedBy(store, members.map((member) => member.owner));
        const victim = members[kill % members.length]!;
        const orphans = [...holders].filter(([, holder]) => holder.owner === victim.owner).map(([partition]) => partition);
        victim.kill();
        const killedAt = performance.now();
        for (;;) {
          const now = await heldPartitions(store);
          if (orphans.every((partition) => now.has(partition) && now.get(partition)!.owner !== victim.owner)) break;
          await sleep(20);
        }
        times.push((performance.now() - killedAt) / 1000);
        onProgress((kill + 1) / KILLS, `kill ${kill + 1}: ${times.at(-1)!.toFixed(1)} s`);
        const [replacement] = await startMembers(url, schema, [`m-${kill + 3}`], FAILOVER_TTL_MS);
        replacement!.send('go');
        members[kill % members.length] = replacement!;
      }
    } finally {
      writing = false;
      await writer;
      await Promise.all(members.map((member) => member.stop()));
      await store.close();
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const longest = sorted.at(-1)!;
    const bound = FAILOVER_TTL_MS / 1000 + 2;
    note(`groups · group-failover: ${times.map((t) => t.toFixed(1)).join(', ')} s`);
    const measurement = (seconds: number): Measurement => ({ operations: KILLS, events: 0, totalNs: seconds * 1e9, eventsPerSecond: Number.NaN, p50Ns: median * 1e9, p99Ns: longest * 1e9 });
    return [
      {
        name: 'group-failover',
        label: `failover after kill -9 (ttl 10 s): median ${median.toFixed(1)} s, max ${longest.toFixed(1)} s`,
        description: `3 member processes, ${KILLS} kills: from SIGKILL until each partition the killed member held is held by another; ratio = the longest ÷ ${bound} s (the lease's ttl + 2 s), target ≤ 1`,
        annals: measurement(longest),
        raw: measurement(bound),
        ratio: longest / bound,
        pairRatios: [],
        target: { maxRatio: 1 },
      },
    ];
  });
}

/** How many events of the log are past each partition's checkpoint in `shares` (the projection's events still to apply then). */
async function eventsLeft(admin: pg.Client, schema: string, shares: ReadonlyMap<number, { checkpoint: number }>): Promise<number> {
  const s = pg.escapeIdentifier(schema);
  const checkpoints = Array.from({ length: 16 }, (_, partition) => shares.get(partition)?.checkpoint ?? 0);
  const { rows } = await admin.query<{ left: string }>(
    `SELECT count(*) AS left FROM ${s}.events e WHERE e.category = 'account' AND e.position > ($1::bigint[])[${s}.partition_hash(e.stream) % 16 + 1]`,
    [checkpoints],
  );
  return Number(rows[0]!.left);
}

/** Who holds each partition now (a lease not expired), with its checkpoint. */
async function heldPartitions(store: EventStore): Promise<Map<number, { owner: string; checkpoint: number }>> {
  const held = new Map<number, { owner: string; checkpoint: number }>();
  for (const { key, state } of await store.readModelStore().states(partitionedCounting.name)) {
    if (key.version === 100 && state.owner !== undefined && state.leaseExpiresAt > Date.now()) held.set(key.partition, { owner: state.owner, checkpoint: state.checkpoint });
  }
  return held;
}

/** Waits until the members share every partition, each holding at least one. */
async function sharedBy(store: EventStore, owners: readonly string[]): Promise<Map<number, { owner: string; checkpoint: number }>> {
  for (;;) {
    const held = await heldPartitions(store);
    const holders = new Set([...held.values()].map((holder) => holder.owner));
    if (held.size === 16 && owners.every((owner) => holders.has(owner)) && [...holders].every((owner) => owners.includes(owner))) return held;
    await sleep(50);
  }
}
