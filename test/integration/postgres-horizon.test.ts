import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { EventStore } from '../../src/index.js';
import { appendEventsQuery, postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

async function positions(store: EventStore, after = 0): Promise<number[]> {
  const seen: number[] = [];
  for await (const event of store.readAll({ after })) seen.push(event.position);
  return seen;
}

describeWithService(service, 'postgres horizon', () => {
  const pg = usePostgres(service.url);

  it('is not held back by an unrelated write transaction left open, in this or another database', async () => {
    const store = await pg.open();
    const elsewhere = await pg.client('annals-test-unrelated', await pg.database());
    const here = await pg.client('annals-test-unrelated');
    await elsewhere.query('BEGIN');
    await elsewhere.query('SELECT pg_current_xact_id()');
    await here.query('BEGIN');
    await here.query('CREATE TEMP TABLE scratch (x int)'); // a write: it has a transaction id
    try {
      const { position } = await store.append('order-1', [{ type: 'Placed' }]);
      expect(await positions(store)).toEqual([position]);
      expect(await store.headPosition()).toBe(position);
    } finally {
      await elsewhere.query('ROLLBACK');
      await here.query('ROLLBACK');
    }
  });

  it('holds back events after a position taken by an append still in flight, then hands out all in order', async () => {
    const schema = pg.schema();
    const store = await pg.open({ schema });
    const first = await store.append('order-1', [{ type: 'Placed' }]);
    const slow = await pg.client('annals-test-slow-appender');
    await slow.query('BEGIN');
    const held = await slow.query(appendEventsQuery(schema, 'order-2', [{ id: randomUUID(), type: 'Placed', data: null }]));
    const heldPosition = held.rows[0].out_position as number;
    const later = await store.append('order-3', [{ type: 'Placed' }]);
    expect(later.position).toBeGreaterThan(heldPosition);

    // The later event is committed, but handing it out now would let the held one slip in behind it.
    expect(await positions(store)).toEqual([first.position]);
    expect(await store.headPosition()).toBe(first.position);

    await slow.query('COMMIT');
    expect(await positions(store, first.position)).toEqual([heldPosition, later.position]);
    expect(await store.headPosition()).toBe(later.position);
  });

  it('is not held back by an unrelated transaction once the appends before an event have ended', async () => {
    const schema = pg.schema();
    const store = await pg.open({ schema });
    const unrelated = await pg.client('annals-test-unrelated');
    await unrelated.query('BEGIN');
    await unrelated.query('SELECT pg_current_xact_id()'); // older than everything below
    const slow = await pg.client('annals-test-slow-appender');
    try {
      await slow.query('BEGIN');
      const held = await slow.query(appendEventsQuery(schema, 'order-1', [{ id: randomUUID(), type: 'Placed', data: null }]));
      // Appended while the slow append runs: its horizon is above the slow one's id, and so above the unrelated one's.
      const later = await store.append('order-2', [{ type: 'Placed' }]);
      await slow.query('COMMIT');
      expect(await positions(store)).toEqual([held.rows[0].out_position, later.position]);
      expect(await store.headPosition()).toBe(later.position);
    } finally {
      await unrelated.query('ROLLBACK');
    }
  });
});
