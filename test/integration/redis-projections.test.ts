import { expect, it } from 'vitest';
import { ReadModels, runProjections, streamProjection, type RunningProjections } from '../../src/index.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const redisCheck = await checkService(redisService);
const postgresCheck = await checkService(postgresService);

type Balance = { balance: number; owner?: string };

const balances = streamProjection<Balance>({
  name: 'balances',
  version: 1,
  handles: { category: 'account' },
  indexes: { owner: 'string', balance: 'number' },
  initialState: () => ({ balance: 0 }),
  evolve: (state, event) => {
    const data = event.data as { amount?: number; owner?: string };
    if (event.type === 'Opened') return { ...state, owner: data.owner! };
    if (event.type === 'Deposited') return { ...state, balance: state.balance + data.amount! };
    return state;
  },
});

const deposit = (amount: number) => ({ type: 'Deposited', data: { amount } });

describeWithService(redisCheck, 'projections into Redis read models', () => {
  const redis = useRedis(redisCheck.url);

  it("run on a Redis store's own read models, and a reader on another connection waits for a position", async () => {
    const events = await redis.open();
    const reader = await redis.reopen(events);
    const running = await runProjections(events, [balances], { leaseTtlMs: 2000 });
    try {
      await events.append('account-1', [{ type: 'Opened', data: { owner: 'ann' } }, deposit(5)]);
      const { position } = await events.append('account-2', [{ type: 'Opened', data: { owner: 'bob' } }, deposit(7)]);
      // The reader's read models are another connection's: it is woken by the commit's PUBLISH.
      const accounts = new ReadModels(reader.readModelStore()).collection<Balance>(balances, 'state');
      expect(await accounts.get('account-2', { minPosition: position })).toEqual({ owner: 'bob', balance: 7 });
      expect((await accounts.find({ where: { balance: { gte: 5 } }, orderBy: 'balance', direction: 'desc' })).items.map((i) => i.id)).toEqual(['account-2', 'account-1']);
      expect(await accounts.count({ owner: 'ann' })).toBe(1);
    } finally {
      await running.stop();
    }
  });

  it('refuses inline projections with ANNALS_NOT_SUPPORTED: a Redis append runs no code of the application', async () => {
    const events = await redis.open();
    await expect(runProjections(events, { inline: [balances] })).rejects.toMatchObject({ code: 'ANNALS_NOT_SUPPORTED' });
    // Nothing was started: appends go on as before.
    await events.append('account-1', [deposit(1)]);
  });

  describeWithService(postgresCheck, 'fed by a PostgreSQL log', () => {
    const postgres = usePostgres(postgresCheck.url);

    it('folds a PostgreSQL log into read models on Redis (openRedisReadModels)', async () => {
      const events = await postgres.open();
      const readModels = await redis.readModels();
      let running: RunningProjections | undefined;
      try {
        running = await runProjections(events, [balances], { readModels, leaseTtlMs: 2000 });
        await events.append('account-7', [{ type: 'Opened', data: { owner: 'cy' } }, deposit(3), deposit(4)]);
        const { position } = await events.append('other-1', [{ type: 'Noise' }]);
        const accounts = running.readModels.collection<Balance>(balances, 'state');
        expect(await accounts.get('account-7', { minPosition: position })).toEqual({ owner: 'cy', balance: 7 });
        const [status] = await running.status();
        expect(status).toMatchObject({ name: 'balances', checkpoint: position, liveGeneration: 100 });
      } finally {
        await running?.stop();
      }
    });
  });
});
