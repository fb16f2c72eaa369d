import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineEvents,
  EventDecodeError,
  EventStore,
  handleCommand,
  InvalidEventError,
  MemoryAdapter,
  openStore,
  type Decider,
  type EventsOf,
  type RecordedEvent,
} from '../../src/index.js';

// Version 1 of AccountOpened had { name }; version 2 renamed it to owner; version 3 added currency.
const bankEvents = defineEvents({
  AccountOpened: {
    schema: z.object({ owner: z.string().min(1), currency: z.string().length(3) }),
    version: 3,
    upcast: {
      1: (v1: { name: string }) => ({ owner: v1.name }),
      2: (v2: { owner: string }) => ({ ...v2, currency: 'EUR' }),
    },
  },
  MoneyDeposited: { schema: z.object({ amount: z.number().int().positive(), note: z.string().default('') }) },
});
type BankEvent = EventsOf<typeof bankEvents>;

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'annals-schemas-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(['memory', 'sqlite'])('event schemas on the %s store', (backend) => {
  const url = () => (backend === 'memory' ? 'memory:' : `sqlite:${join(dir, 'events.db')}`);

  it('stores what the schema returns, with the version in metadata', async () => {
    const store = await openStore(url(), { schemas: bankEvents });
    try {
      await store.append('account-1', [
        { type: 'AccountOpened', data: { owner: 'Ada', currency: 'GBP', extra: 'dropped by the schema' } as never, metadata: { userId: 'u1' } },
        { type: 'MoneyDeposited', data: { amount: 5 } },
      ]);
      const events = await all(store.readStream('account-1'));
      expect(events.map((e) => [e.data, e.metadata])).toEqual([
        [{ owner: 'Ada', currency: 'GBP' }, { userId: 'u1', schemaVersion: 3 }],
        [{ amount: 5, note: '' }, { schemaVersion: 1 }],
      ]);
    } finally {
      await store.close();
    }
  });

  it('refuses data the schema refuses, naming every issue, and writes nothing', async () => {
    const store = await openStore(url(), { schemas: bankEvents });
    try {
      await store.append('account-1', [{ type: 'MoneyDeposited', data: { amount: 1 } }]);
      const attempt = store.append('account-1', [
        { type: 'MoneyDeposited', data: { amount: 2 } },
        { type: 'AccountOpened', data: { owner: '', currency: 'EURO' } },
      ]);
      await expect(attempt).rejects.toThrow(InvalidEventError);
      const error = (await attempt.catch((e: unknown) => e)) as InvalidEventError;
      expect(error).toMatchObject({ code: 'ANNALS_INVALID_EVENT', index: 1, field: 'data.owner', stream: 'account-1' });
      expect(error.issues?.map((issue) => issue.field)).toEqual(['data.owner', 'data.currency']);
      expect(error.message).toMatch(/and 1 more issue/);
      expect((await store.streamInfo('account-1')).revision).toBe(0);
      expect(await all(store.readAll())).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('refuses a bad part of an appendMany and writes no part', async () => {
    const store = await openStore(url(), { schemas: bankEvents });
    try {
      const attempt = store.appendMany([
        { stream: 'account-1', events: [{ type: 'MoneyDeposited', data: { amount: 2 } }] },
        { stream: 'account-2', events: [{ type: 'MoneyDeposited', data: { amount: -2 } }] },
      ]);
      await expect(attempt).rejects.toMatchObject({ code: 'ANNALS_INVALID_EVENT', stream: 'account-2', field: 'data.amount' });
      expect(await store.headPosition()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('refuses a schemaVersion other than the current one', async () => {
    const store = await openStore(url(), { schemas: bankEvents });
    try {
      const attempt = store.append('account-1', [{ type: 'AccountOpened', data: { owner: 'Ada' }, metadata: { schemaVersion: 1 } }]);
      await expect(attempt).rejects.toMatchObject({ code: 'ANNALS_INVALID_EVENT', field: 'metadata.schemaVersion' });
      expect(await store.headPosition()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('stores unregistered types as given, or refuses them when strict', async () => {
    const lenient = await openStore(url(), { schemas: bankEvents });
    try {
      await lenient.append('audit-1', [{ type: 'LoggedIn', data: { anything: true } }]);
      expect((await all(lenient.readStream('audit-1')))[0]).toMatchObject({ data: { anything: true }, metadata: {} });
    } finally {
      await lenient.close();
    }
    const strict = await openStore(url(), { schemas: defineEvents(bankEvents.definitions, { strict: true }) });
    try {
      await expect(strict.append('audit-2', [{ type: 'LoggedIn' }])).rejects.toMatchObject({ code: 'ANNALS_INVALID_EVENT', field: 'type' });
      expect((await strict.streamInfo('audit-2')).revision).toBe(-1);
    } finally {
      await strict.close();
    }
  });

  it('keeps the usual checks for what is not even an event', async () => {
    const store = await openStore(url(), { schemas: bankEvents });
    try {
      await expect(store.append('account-1', [{ type: 'MoneyDeposited', data: { amount: 1 }, metadata: [] as never }])).rejects.toMatchObject({
        code: 'ANNALS_INVALID_EVENT',
        field: 'metadata',
      });
      await expect(store.append('account-1', 'nope' as never)).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT' });
      await expect(store.append('', [{ type: 'MoneyDeposited', data: { amount: 1 } }])).rejects.toMatchObject({ code: 'ANNALS_INVALID_STREAM_NAME' });
    } finally {
      await store.close();
    }
  });

  it('retries an append with the same ids idempotently', async () => {
    const store = await openStore(url(), { schemas: bankEvents });
    try {
      const events = [{ id: '6f1c1c9e-8a4e-4e43-9a1c-3f7d2f2b6a01', type: 'MoneyDeposited', data: { amount: 3 } }];
      const first = await store.append('account-1', events, { expectedRevision: 'no_stream' });
      expect(await store.append('account-1', events, { expectedRevision: 'no_stream' })).toEqual(first);
      expect(await all(store.readAll())).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

describe('upcasting on read', () => {
  const v1Opened = { type: 'AccountOpened', data: { name: 'Ada' } };
  const v2Opened = { type: 'AccountOpened', data: { owner: 'Bob' }, metadata: { schemaVersion: 2 } };

  it('hands out old events in the current shape through every read', async () => {
    const path = `sqlite:${join(dir, 'events.db')}`;
    // Written by an older version of the application, which had no schemas yet.
    const old = await openStore(path);
    await old.append('account-1', [v1Opened]);
    await old.append('account-2', [v2Opened]);
    await old.close();

    const store = await openStore(path, { schemas: bankEvents });
    try {
      const expected = [
        { owner: 'Ada', currency: 'EUR' },
        { owner: 'Bob', currency: 'EUR' },
      ];
      expect((await all(store.readAll())).map((e) => e.data)).toEqual(expected);
      expect((await all(store.readStream('account-1', { direction: 'backwards' }))).map((e) => e.data)).toEqual([expected[0]]);
      const [first] = await all(store.readStream('account-2'));
      expect(first!.metadata.schemaVersion).toBe(3);
      expect((await store.getEvent(first!.id))?.data).toEqual(expected[1]);
      const abort = new AbortController();
      const seen: RecordedEvent[] = [];
      for await (const event of store.subscribe({ signal: abort.signal })) {
        seen.push(event);
        if (seen.length === 2) abort.abort();
      }
      expect(seen.map((e) => e.data)).toEqual(expected);
    } finally {
      await store.close();
    }
  });

  it('fails a read with a typed error when an event cannot be upcast', async () => {
    const adapter = new MemoryAdapter();
    await new EventStore(adapter).append('account-1', [{ type: 'AccountOpened', data: {}, metadata: { schemaVersion: 9 } }]);
    const store = new EventStore(adapter, { schemas: bankEvents });
    const error = await all(store.readStream('account-1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventDecodeError);
    expect(error).toMatchObject({ code: 'ANNALS_EVENT_UNDECODABLE', stream: 'account-1', revision: 0, version: 9 });
  });

  it('lets a decider written for the current shape fold a stream of old events', async () => {
    const adapter = new MemoryAdapter();
    await new EventStore(adapter).append('account-1', [v1Opened, { type: 'MoneyDeposited', data: { amount: 10 } }]);
    const store = new EventStore(adapter, { schemas: bankEvents });
    type State = { owner: string | null; currency: string | null; balance: number };
    const decider = {
      initialState: (): State => ({ owner: null, currency: null, balance: 0 }),
      evolve: (state: State, event: BankEvent): State =>
        event.type === 'AccountOpened' ? { ...state, owner: event.data.owner, currency: event.data.currency } : { ...state, balance: state.balance + event.data.amount },
      decide: (command: { amount: number }): BankEvent[] => [{ type: 'MoneyDeposited', data: { amount: command.amount, note: 'via handler' } }],
    } satisfies Decider<State, { amount: number }, BankEvent>;
    const result = await handleCommand(store, decider, 'account-1', { amount: 5 });
    expect(result.state).toEqual({ owner: 'Ada', currency: 'EUR', balance: 15 });
    expect(result.events[0]!.metadata.schemaVersion).toBe(1);
    await expect(handleCommand(store, decider, 'account-1', { amount: -1 })).rejects.toMatchObject({ code: 'ANNALS_INVALID_EVENT', field: 'data.amount' });
    expect((await store.streamInfo('account-1')).revision).toBe(2);
  });

  it('reads every event in the current shape, whatever version it was written at (property)', async () => {
    const upcastTo3 = (version: number, owner: string) => ({ owner, currency: 'EUR' });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ version: fc.integer({ min: 1, max: 3 }), owner: fc.string({ minLength: 1 }) }), { minLength: 1, maxLength: 20 }), async (written) => {
        const adapter = new MemoryAdapter();
        const raw = new EventStore(adapter);
        const current = new EventStore(adapter, { schemas: bankEvents });
        for (const { version, owner } of written) {
          if (version === 1) await raw.append('account-1', [{ type: 'AccountOpened', data: { name: owner } }]);
          else if (version === 2) await raw.append('account-1', [{ type: 'AccountOpened', data: { owner }, metadata: { schemaVersion: 2 } }]);
          else await current.append('account-1', [{ type: 'AccountOpened', data: { owner, currency: 'EUR' } }]);
        }
        const read = await all(current.readStream('account-1'));
        expect(read.map((e) => e.data)).toEqual(written.map(({ version, owner }) => upcastTo3(version, owner)));
        expect(read.every((e) => e.metadata.schemaVersion === 3)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses schemas that defineEvents did not make', async () => {
    await expect(openStore('memory:', { schemas: { AccountOpened: {} } as never })).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT', argument: 'schemas' });
  });
});
