import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  AnnalsError,
  MigrationRequiredError,
  openStore,
  ReadModels,
  runProjections,
  StandbyError,
  streamProjection,
  type AppendResult,
  type EventStore,
  type RecordedEvent,
} from '../../src/index.js';
import { openPostgresReadModels, type PostgresReadModels } from '../../src/adapters/postgres/index.js';
import { collect } from '../helpers/collect.js';
import { describeWithStandby, useStandbyCluster } from '../helpers/pg-standby.js';
import { ACCOUNTS, KEY, put } from '../helpers/postgres-read-models.js';

type Balance = { owner: string; balance: number };

/** The state row of the generation balances v1 builds (100: see projection/generations.ts). */
const GENERATION = { projection: 'balances', version: 100, partition: 0 };

const balances = streamProjection<Balance>({
  name: 'balances',
  version: 1,
  handles: { category: 'account' },
  indexes: { owner: 'string' },
  initialState: () => ({ owner: '', balance: 0 }),
  evolve: (state, event: RecordedEvent) => {
    const data = event.data as { owner?: string; amount?: number };
    return event.type === 'AccountOpened' ? { ...state, owner: data.owner! } : { ...state, balance: state.balance + data.amount! };
  },
});

/** The error `action` fails with (synchronously or not); a test failure when it succeeds. */
async function failure(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  return expect.fail('expected a failure, got success');
}

async function expectStandbyRefusal(action: () => unknown, operation: string, refusal: 'write' | 'consumer'): Promise<void> {
  const error = await failure(action);
  expect(error).toBeInstanceOf(StandbyError);
  expect(error).toMatchObject({ code: 'ANNALS_STANDBY', operation, refusal, location: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
  expect((error as Error).message).toContain('pg_is_in_recovery()');
}

describeWithStandby('PostgreSQL standbys', () => {
  const cluster = useStandbyCluster();
  const closers: (() => Promise<unknown>)[] = [];
  let primary: EventStore;
  let standby: EventStore;
  let deposited: AppendResult;

  beforeAll(async () => {
    const { primaryUrl, standbyUrl } = cluster();
    primary = await openStore(primaryUrl, { pollIntervalMs: 50 });
    closers.push(() => primary.close());
    await primary.append('account-1', [{ type: 'AccountOpened', data: { owner: 'ann' } }]);
    deposited = await primary.append('account-1', [{ type: 'MoneyDeposited', data: { amount: 40 } }], { expectedRevision: 0 });
    await primary.append('account-2', [{ type: 'AccountOpened', data: { owner: 'bob' } }]);
    await primary.saveSnapshot('account-1', { revision: 1, version: 1, state: { owner: 'ann', balance: 40 } });
    await cluster().caughtUp();
    standby = await openStore(standbyUrl, { pollIntervalMs: 50 });
    closers.push(() => standby.close());
  }, 60_000);

  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });

  it('opens on a standby without migrating, and knows it is one', async () => {
    const { version } = primary.schema!;
    expect(standby.schema).toEqual({ version, migratedFrom: version });
    expect(standby.provides('replication')).toBe(true);
  });

  it('reads streams, events, stream state, snapshots and the head as the primary wrote them', async () => {
    const [fromPrimary, fromStandby] = await Promise.all([collect(primary.readStream('account-1')), collect(standby.readStream('account-1'))]);
    expect(fromStandby).toEqual(fromPrimary);
    expect(fromStandby.map((event) => event.type)).toEqual(['AccountOpened', 'MoneyDeposited']);
    expect(await standby.getEvent(fromPrimary[1]!.id)).toEqual(fromPrimary[1]);
    expect(await standby.streamInfo('account-1')).toEqual(await primary.streamInfo('account-1'));
    expect(await standby.headPosition()).toBe(await primary.headPosition());
    expect(await standby.headPosition()).toBe(3);
    expect(await standby.loadSnapshot('account-1')).toEqual(await primary.loadSnapshot('account-1'));
  });

  it('refuses writes with ANNALS_STANDBY, and nothing is written', async () => {
    const before = await primary.streamInfo('account-1');
    const head = await primary.headPosition();
    await expectStandbyRefusal(() => standby.append('account-1', [{ type: 'MoneyDeposited', data: { amount: 1 } }]), 'append', 'write');
    await expectStandbyRefusal(() => standby.appendMany([{ stream: 'account-3', events: [{ type: 'AccountOpened' }] }]), 'appendMany', 'write');
    await expectStandbyRefusal(() => standby.deleteStream('account-2'), 'deleteStream', 'write');
    await expectStandbyRefusal(() => standby.truncateStream('account-1', { before: 1 }), 'truncateStream', 'write');
    await expectStandbyRefusal(() => standby.saveSnapshot('account-1', { revision: 1, version: 2, state: {} }), 'saveSnapshot', 'write');
    await expectStandbyRefusal(() => standby.attachInline(() => undefined), 'attachInline', 'write');
    // Even an invalid call is refused as a standby's, before its input is looked at.
    await expectStandbyRefusal(() => standby.append('account-1', []), 'append', 'write');
    await cluster().caughtUp();
    expect(await primary.streamInfo('account-1')).toEqual(before);
    expect(await primary.headPosition()).toBe(head);
    expect(await standby.streamInfo('account-2')).toMatchObject({ exists: true, deleted: false });
    expect((await standby.loadSnapshot('account-1'))?.version).toBe(1);
  });

  it('refuses consumers of the log by position at the call, saying why', async () => {
    // Thrown by the call itself, as its argument errors are: no page is ever read.
    for (const [operation, call] of [
      ['readAll', () => standby.readAll()],
      ['subscribe', () => standby.subscribe()],
      ['subscribePages', () => standby.subscribePages({ after: 0 })],
    ] as const) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'ANNALS_STANDBY', operation, refusal: 'consumer' });
      expect((thrown as Error).message).toMatch(/in flight.*smaller position/);
      expect((thrown as StandbyError).hint).toMatch(/primary/);
    }
    await expectStandbyRefusal(() => runProjections(standby, [balances]), 'runProjections', 'consumer');
    await expectStandbyRefusal(() => runProjections(standby, { inline: [balances] }), 'runProjections', 'consumer');
    // The refused runners wrote nothing: no state row, no live version.
    const readModels = standby.readModelStore();
    expect(await readModels.liveVersion('balances')).toBeUndefined();
    expect(await readModels.states('balances')).toEqual([]);
  });

  it('reports its replication lag: a standby says so, a primary and other backends say none', async () => {
    await cluster().caughtUp();
    const lag = await standby.replicaLag();
    expect(lag.standby).toBe(true);
    expect(lag.seconds).toBeGreaterThanOrEqual(0);
    expect(lag.bytes).toBeGreaterThanOrEqual(0);
    expect(lag.lastReplayAt).toBeInstanceOf(Date);
    // Everything received is replayed (and the primary is idle): no lag, however old the last commit.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await standby.replicaLag()).toMatchObject({ standby: true, seconds: 0, bytes: 0 });

    // Replay paused: what arrives waits, and the lag is the age of the last commit replayed.
    const admin = new pg.Client({ connectionString: cluster().standbyUrl });
    await admin.connect();
    try {
      await admin.query('SELECT pg_wal_replay_pause()');
      const head = await standby.headPosition();
      await primary.append('account-9', [{ type: 'AccountOpened', data: { owner: 'cy' } }]);
      let behind = await standby.replicaLag();
      for (const deadline = Date.now() + 10_000; !(behind.bytes! > 0) && Date.now() < deadline; behind = await standby.replicaLag()) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(behind.bytes).toBeGreaterThan(0);
      expect(behind.seconds).toBeGreaterThan(1);
      expect(behind.seconds).toBeCloseTo((Date.now() - behind.lastReplayAt!.getTime()) / 1000, 0);
      expect(await standby.headPosition()).toBe(head);
    } finally {
      await admin.query('SELECT pg_wal_replay_resume()');
      await admin.end();
    }
    await cluster().caughtUp();
    expect(await standby.streamInfo('account-9')).toMatchObject({ exists: true, revision: 0 });
    expect(await primary.replicaLag()).toEqual({ standby: false, seconds: 0, bytes: 0 });
    const memory = await openStore('memory:');
    expect(await memory.replicaLag()).toEqual({ standby: false, seconds: 0 });
    await memory.close();
  });

  it('answers read-model queries on a standby, waiting for a position to replicate, and refuses every write', async () => {
    const { primaryUrl, standbyUrl } = cluster();
    const running = await runProjections(primary, [balances]);
    closers.push(() => running.stop());
    const onStandby: PostgresReadModels = await openPostgresReadModels(standbyUrl, { pollIntervalMs: 50 });
    closers.push(() => onStandby.close());
    const accounts = new ReadModels(onStandby).collection<Balance>(balances, 'state');
    expect(await accounts.get('account-1', { minPosition: deposited.position, timeoutMs: 10_000 })).toEqual({ owner: 'ann', balance: 40 });

    // A read that waits for an append made after it began: woken once the checkpoint's row has replicated.
    const waiting = accounts.get('account-1', { minPosition: (await primary.headPosition()) + 1, timeoutMs: 10_000 });
    const last = await primary.append('account-1', [{ type: 'MoneyDeposited', data: { amount: 2 } }]);
    expect(await waiting).toEqual({ owner: 'ann', balance: 42 });
    const found = await accounts.find({ where: { owner: 'bob' } });
    expect(found.items).toEqual([{ id: 'account-2', document: { owner: 'bob', balance: 0 } }]);
    expect(await accounts.count()).toBe(3); // account-1, account-2, account-9

    const state = await onStandby.state(GENERATION);
    expect(state?.checkpoint).toBeGreaterThanOrEqual(last.position);
    expect(state?.owner).toBeDefined();
    await expectStandbyRefusal(() => onStandby.lease(KEY, 'me', 1000), 'lease', 'write');
    await expectStandbyRefusal(
      () => onStandby.commit({ key: KEY, from: state!.checkpoint, checkpoint: state!.checkpoint + 1, writes: [put(ACCOUNTS, 'x', { owner: 'x', balance: 1 })] }),
      'commit',
      'write',
    );
    await expectStandbyRefusal(() => onStandby.release(KEY, 'me', 1), 'release', 'write');
    await expectStandbyRefusal(() => onStandby.prepare([ACCOUNTS]), 'prepare', 'write');
    await expectStandbyRefusal(() => onStandby.drop([ACCOUNTS]), 'drop', 'write');
    await expectStandbyRefusal(() => onStandby.promote('balances', 200, 100), 'promote', 'write');
    await expectStandbyRefusal(() => onStandby.removeDeadLetters(KEY, [1]), 'removeDeadLetters', 'write');
    await expectStandbyRefusal(() => onStandby.heartbeat({ projection: 'balances', version: 100 }, 'me', 1000), 'heartbeat', 'write');
    await expectStandbyRefusal(() => onStandby.leaveGroup({ projection: 'balances', version: 100 }, 'me'), 'leaveGroup', 'write');
    // Runners on the primary's log with their read models on the standby: refused at the start.
    await expectStandbyRefusal(() => runProjections(primary, [balances], { readModels: onStandby }), 'runProjections', 'write');
    // Nothing was written: no lease taken by 'me', no state row of KEY, no collection of ACCOUNTS.
    const onPrimary = await openPostgresReadModels(primaryUrl);
    closers.push(() => onPrimary.close());
    expect((await onPrimary.state(GENERATION))?.owner).toBe(state?.owner);
    expect(await onPrimary.state(KEY)).toBeUndefined();
    expect(await onPrimary.states('balances')).toHaveLength(1);
  });

  it('refuses to open on a standby a schema the primary never created, saying to open it there first', async () => {
    const { standbyUrl } = cluster();
    for (const open of [() => openStore(standbyUrl, { schema: 'never_created' }), () => openPostgresReadModels(standbyUrl, { schema: 'never_created' })]) {
      const error = await failure(open);
      expect(error).toBeInstanceOf(MigrationRequiredError);
      expect(error).toMatchObject({ code: 'ANNALS_MIGRATION_REQUIRED', found: 0, standby: true, location: 'schema "never_created"' });
      expect((error as AnnalsError).hint).toMatch(/primary first/);
    }
  });
});
