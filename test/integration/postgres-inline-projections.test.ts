import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { defineProjection, runProjections, type EventStore, type RecordedEvent, type RunningProjections } from '../../src/index.js';
import { openPostgresReadModels } from '../../src/adapters/postgres/index.js';
import { ReadModels } from '../../src/readmodel/read-models.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { collect } from '../helpers/collect.js';
import { startProjector } from '../helpers/projector.js';
import { checkService, describeWithService } from '../helpers/services.js';
import { add, tallies as tallyProjection, type Tally } from '../helpers/tallies.js';

const service = await checkService(postgresService);

const tallies = tallyProjection('tally');


const stopping: RunningProjections[] = [];
afterEach(async () => {
  for (const running of stopping.splice(0)) await running.stop();
});

async function run(store: EventStore, registration: Parameters<typeof runProjections>[1]): Promise<RunningProjections> {
  const running = await runProjections(store, registration, { leaseTtlMs: 1000 });
  stopping.push(running);
  return running;
}

/** The stream's events folded from the log, as the projection would from scratch. */
async function cleanFold(store: EventStore, stream: string): Promise<Tally> {
  const state: Tally = { total: 0, applied: [] };
  for await (const event of store.readStream(stream)) {
    state.total += (event.data as { amount: number }).amount;
    state.applied.push(event.position);
  }
  return state;
}

describeWithService(service, 'inline projections on PostgreSQL', () => {
  const ctx = usePostgres(service.url);

  it('apply inside the append: a read right after it returns sees the change, without waiting', async () => {
    const store = await ctx.open();
    const running = await run(store, { inline: [tallies] });
    await running.caughtUp();
    const tally = running.readModels.collection<Tally>(tallies, 'state');
    for (let i = 1; i <= 20; i++) {
      const { position } = await store.append(`tally-${i % 3}`, [add(i)]);
      const read = await tally.get(`tally-${i % 3}`); // no minPosition: the append itself applied it
      expect(read!.applied.at(-1)).toBe(position);
    }
    // Several streams in one call, and an idempotent retry, which applies nothing again.
    const ids = [randomUUID(), randomUUID()];
    const request = [
      { stream: 'tally-1', events: [{ ...add(100), id: ids[0] }] },
      { stream: 'tally-2', events: [{ ...add(200), id: ids[1] }] },
    ];
    await store.appendMany(request);
    await store.appendMany(request);
    const retried = { ...add(1000), id: randomUUID() };
    const { position: single } = await store.append('tally-1', [retried]);
    // The one-statement path meets the recorded id, which aborts the transaction: it runs again, deciding in the function.
    expect(await store.append('tally-1', [retried])).toMatchObject({ position: single });
    expect(await tally.get('tally-2')).toEqual(await cleanFold(store, 'tally-2'));
    expect(await tally.get('tally-1')).toEqual(await cleanFold(store, 'tally-1'));
    // (The retry's first attempt took a position it never used: the head is past it, and the runner moves the checkpoint there.)
    expect((await running.status())[0]!.checkpoint).toBeGreaterThanOrEqual(single);
  });

  it('reads the documents the events name once the append has decided them (a revision), whatever was read ahead', async () => {
    const store = await ctx.open();
    type Parity = { n: number; positions: number[] };
    const idOf = (event: RecordedEvent) => `${event.stream}:${event.revision % 2}`;
    // The document an event reads depends on its revision, which an append with no expected
    // revision decides: the documents read ahead of its answer are the wrong ones.
    const parity = defineProjection({
      name: 'parity',
      version: 1,
      collections: { counts: {} },
      load: (event) => ({ collection: 'counts', id: idOf(event) }),
      apply: (event: RecordedEvent, session) => {
        const count = session.get<Parity>('counts', idOf(event)) ?? { n: 0, positions: [] };
        session.upsert('counts', idOf(event), { n: count.n + 1, positions: [...count.positions, event.position] });
      },
    });
    const running = await run(store, { inline: [parity] });
    await running.caughtUp();
    const counts = running.readModels.collection<Parity>(parity, 'counts');
    for (let i = 0; i < 6; i++) {
      const { position } = await store.append('p-1', [add(i)]);
      // No minPosition: the append applied it, having read the document its revision names.
      expect((await counts.get(`p-1:${i % 2}`))?.positions.at(-1)).toBe(position);
    }
    // Two events with an expected revision: their revisions are known ahead, and so are their documents.
    await store.append('p-1', [add(6), add(7)], { expectedRevision: 5 });
    const positions = (await collect(store.readStream('p-1'))).map((event) => event.position);
    expect(await counts.get('p-1:0')).toEqual({ n: 4, positions: positions.filter((_, revision) => revision % 2 === 0) });
    expect(await counts.get('p-1:1')).toEqual({ n: 4, positions: positions.filter((_, revision) => revision % 2 === 1) });
  });

  it('an inline commit wakes a reader elsewhere waiting for it by a notice, not by its poll', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema });
    const running = await run(store, { inline: [tallies] });
    await running.caughtUp();
    // Another connection's read models, whose poll would take a minute: only the notice wakes
    // them before the timeout (20 s; a wait that times out still reads once more, and would pass).
    const elsewhere = await openPostgresReadModels(service.url, { schema, pollIntervalMs: 60_000 });
    try {
      const tally = new ReadModels(elsewhere).collection<Tally>(tallies, 'state');
      for (let i = 1; i <= 3; i++) {
        const waiting = tally.get('tally-1', { minPosition: 1 + (await store.headPosition()), timeoutMs: 20_000 });
        await sleep(50); // the reader is waiting before the append commits
        const { position } = await store.append('tally-1', [add(i)]);
        const committed = Date.now();
        expect((await waiting)!.applied.at(-1)).toBe(position);
        expect(Date.now() - committed).toBeLessThan(10_000);
      }
    } finally {
      await elsewhere.close();
    }
  }, 60_000);

  it('a process paused inside an inline append holds up the other inline appenders for inlineIdleTimeoutMs, then its append fails and writes nothing', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema });
    const running = await run(store, { inline: [tallies] });
    await running.caughtUp();
    // A process whose inline apply takes 3 s; it is stopped once inside it, its transaction open.
    const url = new URL(service.url);
    url.searchParams.set('inlineIdleTimeoutMs', '1000');
    const paused = await startProjector({ url: url.toString(), schema, owner: 'paused', mode: 'inline', busyMs: 3000 });
    try {
      const inside = paused.nextLine((line) => line.startsWith('applying '));
      paused.send('append paused-1');
      await inside;
      paused.kill('SIGSTOP');
      // This process's inline append waits for the lock the paused one holds, until the server ends that session.
      const appended = store.append('tally-1', [add(5)]);
      const outcome = await Promise.race([appended.then(() => 'appended'), sleep(15_000).then(() => 'still waiting')]);
      expect(outcome).toBe('appended');
      expect(await running.readModels.collection<Tally>(tallies, 'state').get('tally-1')).toEqual(await cleanFold(store, 'tally-1'));
      // Resumed, the paused process finds its session ended: its append fails, typed, and wrote nothing.
      const failed = paused.nextLine((line) => line.startsWith('append'));
      paused.kill('SIGCONT');
      expect(await failed).toBe('append failed ANNALS_STORE_UNAVAILABLE');
      expect(await collect(store.readStream('paused-1'))).toEqual([]);
    } finally {
      paused.kill();
    }
  }, 60_000);

  it('a throwing apply fails the append, which writes nothing: neither events nor documents', async () => {
    const store = await ctx.open();
    const other = defineProjection({
      name: 'other',
      version: 1,
      collections: { seen: {} },
      apply: (event: RecordedEvent, session) => session.upsert('seen', event.id, { type: event.type }),
    });
    const running = await run(store, { inline: [other, tallies] });
    await store.append('tally-1', [add(1)]);
    await expect(store.append('tally-1', [add(2), add(-1)])).rejects.toThrow('refused amount -1');
    await expect(store.appendMany([{ stream: 'tally-2', events: [add(3)] }, { stream: 'tally-1', events: [add(-2)] }])).rejects.toThrow('refused amount -2');
    expect(await collect(store.readAll())).toHaveLength(1);
    expect((await store.streamInfo('tally-1')).revision).toBe(0);
    expect((await store.streamInfo('tally-2')).exists).toBe(false);
    expect(await running.readModels.collection<Tally>(tallies, 'state').get('tally-1')).toMatchObject({ total: 1 });
    expect(await running.readModels.collection(other, 'seen').count()).toBe(1);
    await store.append('tally-1', [add(5)]);
    expect(await running.readModels.collection<Tally>(tallies, 'state').get('tally-1')).toMatchObject({ total: 6 });
    expect(await running.readModels.collection(other, 'seen').count()).toBe(2);
  });

  it('appends from a store without the projection are caught up by the runner exactly once, then applied inline again', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema });
    const outsider = await ctx.open({ schema }); // a pool of its own, as the CLI or another service
    const running = await run(store, { inline: [tallies] });
    await store.append('tally-1', [add(1)]);
    const { position } = await outsider.append('tally-1', [add(10), add(100)]);
    // The next inline append finds the projection behind and leaves its events to the runner.
    await store.append('tally-1', [add(1000)]);
    const tally = running.readModels.collection<Tally>(tallies, 'state');
    const caughtUp = await tally.get('tally-1', { minPosition: position + 1, timeoutMs: 5000 });
    expect(caughtUp).toEqual(await cleanFold(store, 'tally-1'));
    expect(caughtUp!.total).toBe(1111);
    const { position: last } = await store.append('tally-1', [add(10_000)]);
    expect(await tally.get('tally-1')).toMatchObject({ total: 11_111, applied: [...caughtUp!.applied, last] });
  });

  it('an appender in flight on an earlier position keeps the append from applying inline; its event is applied once, in order', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema });
    const running = await run(store, { inline: [tallies] });
    await store.append('tally-1', [add(1)]);
    await store.append('tally-9', [add(2)]);
    await running.caughtUp();
    // Another connection takes a position and holds its transaction open, as an appender
    // without the projection that has not committed yet.
    const other = await ctx.client();
    const s = pg.escapeIdentifier(schema);
    await other.query('BEGIN');
    await other.query(`UPDATE ${s}.streams SET revision = revision + 1 WHERE stream = 'tally-9'`);
    const { rows } = await other.query<{ position: string }>(
      `INSERT INTO ${s}.events (position, id, stream, category, revision, type, data, metadata, recorded_at)
       VALUES (nextval('${s}.positions'), gen_random_uuid(), 'tally-9', 'tally', 1, 'Added', '{"amount": 20}', '{}', now()) RETURNING position`,
    );
    const inFlight = Number(rows[0]!.position);
    const { position } = await store.append('tally-1', [add(10)]);
    expect(position).toBeGreaterThan(inFlight);
    const tally = running.readModels.collection<Tally>(tallies, 'state');
    // Not applied inline (a checkpoint at `position` would pass the event in flight for ever),
    // nor by the runner, which cannot read past the position in flight.
    expect(await tally.get('tally-1')).toEqual({ total: 1, applied: [1] });
    await other.query('COMMIT');
    await tally.get('tally-1', { minPosition: position, timeoutMs: 5000 });
    expect(await tally.get('tally-1')).toEqual(await cleanFold(store, 'tally-1'));
    expect(await tally.get('tally-9')).toEqual({ total: 22, applied: [2, inFlight] });
    // Caught up again: the next append applies inline.
    const { position: next } = await store.append('tally-9', [add(300)]);
    expect(await tally.get('tally-9')).toEqual({ total: 322, applied: [2, inFlight, next] });
  });

  it('concurrent appenders in two processes with the projection, and one without: every event applied once, in stream order', async () => {
    const schema = ctx.schema();
    const stores = [await ctx.open({ schema }), await ctx.open({ schema })];
    const outsider = await ctx.open({ schema });
    const runnings = [await run(stores[0]!, { inline: [tallies] }), await run(stores[1]!, { inline: [tallies] })];
    const APPENDERS = 8;
    const APPENDS = 25;
    const appended = await Promise.all([
      ...Array.from({ length: APPENDERS }, async (_, appender) => {
        const store = stores[appender % 2]!;
        let events = 0;
        for (let i = 0; i < APPENDS; i++) {
          const batch = i % 4 === 0 ? [add(1), add(2)] : [add(1)];
          await store.append(`tally-${(appender + i) % 5}`, batch);
          events += batch.length;
        }
        return events;
      }),
      // Now and then an append without the projection: the inline appends fall behind, the
      // runner catches up while they go on, and they apply inline again once it has.
      (async () => {
        for (let i = 0; i < 10; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          await outsider.append(`tally-${i % 5}`, [add(1000)]);
        }
        return 10;
      })(),
    ]);
    // (One of the two runners stands by, without the lease: wait for the checkpoint, not for both runners.)
    const head = await stores[0]!.headPosition();
    const tally = runnings[0]!.readModels.collection<Tally>(tallies, 'state');
    await tally.get('tally-0', { minPosition: head, timeoutMs: 5000 });
    let applied = 0;
    for (let stream = 0; stream < 5; stream++) {
      const document = await tally.get(`tally-${stream}`);
      expect(document).toEqual(await cleanFold(stores[0]!, `tally-${stream}`));
      applied += document!.applied.length;
    }
    expect(applied).toBe(appended.reduce((sum, n) => sum + n, 0));
  });
});
