import { afterEach, beforeEach, expect, it, vi, type MockInstance } from 'vitest';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

describeWithService(service, 'postgres with a schema name of the longest length', () => {
  const ctx = usePostgres(service.url);
  let warnings: MockInstance<typeof console.error>;
  beforeEach(() => {
    // node-postgres warns on stderr when a statement's name is longer than PostgreSQL keeps.
    warnings = vi.spyOn(console, 'error');
  });
  afterEach(() => warnings.mockRestore());

  it('runs every kind of statement, each under a name PostgreSQL keeps whole', async () => {
    const base = ctx.schema();
    const schema = ctx.schema('_' + 'x'.repeat(Math.max(0, 62 - base.length)));
    expect(schema.length).toBe(63);
    const store = await ctx.open({ schema });
    await store.append('order-1', [{ type: 'Placed' }], { expectedRevision: 'no_stream' });
    await store.append('order-1', [{ type: 'Paid' }, { type: 'Shipped' }], { expectedRevision: 0 });
    await store.append('order-1', [{ type: 'Noted' }], { expectedRevision: 'stream_exists' });
    await store.append('order-2', [{ type: 'Placed' }, { type: 'Noted' }], { expectedRevision: 'any' });
    await store.appendMany([
      { stream: 'order-3', events: [{ type: 'Placed' }] },
      { stream: 'order-4', events: [{ type: 'Placed' }] },
    ]);
    await store.saveSnapshot('order-1', { revision: 3, version: 1, state: { n: 4 } });
    expect((await store.loadSnapshot('order-1'))?.state).toEqual({ n: 4 });
    await store.truncateStream('order-2', { before: 1 });
    await store.deleteStream('order-3');
    const all = [];
    for await (const event of store.readAll({ category: 'order', types: ['Placed', 'Noted'] })) all.push(`${event.stream}@${event.revision}`);
    expect(all).toEqual(['order-1@0', 'order-1@3', 'order-2@1', 'order-4@0']);
    const stream = [];
    for await (const event of store.readStream('order-1', { direction: 'backwards' })) stream.push(event.type);
    expect(stream).toEqual(['Noted', 'Shipped', 'Paid', 'Placed']);
    expect(await store.headPosition()).toBeGreaterThanOrEqual(8);
    expect(warnings).not.toHaveBeenCalled();
  });
});
