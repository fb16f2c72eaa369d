import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, ReadOnlyStoreError, type RecordedEvent } from '../../src/index.js';
import { collect } from '../helpers/collect.js';
import { annalsTables } from '../helpers/raw-sqlite.js';
import { createTempDir } from '../helpers/temp-dir.js';

const dir = createTempDir();
afterAll(() => dir.remove());

/** A migrated file holding three events of `account-1`. */
async function seededFile(name: string): Promise<{ url: string; events: RecordedEvent[] }> {
  const url = `sqlite:${dir.file(name)}`;
  const writer = await openStore(url);
  await writer.append('account-1', [{ type: 'Opened' }, { type: 'Deposited', data: { amount: 5 } }, { type: 'Deposited', data: { amount: 7 } }]);
  const events = await collect(writer.readAll());
  await writer.close();
  return { url, events };
}

describe('SQLite: a store opened read-only', () => {
  it('reads what a writer stored', async () => {
    const { url, events } = await seededFile('reads.db');
    for (const opened of [openStore(url, { readonly: true }), openStore(`${url}?readonly=true`)]) {
      const store = await opened;
      expect(await collect(store.readAll())).toEqual(events);
      expect(await collect(store.readStream('account-1', { direction: 'backwards' }))).toEqual([...events].reverse());
      expect(await store.getEvent(events[1]!.id)).toEqual(events[1]);
      expect(await store.streamInfo('account-1')).toMatchObject({ exists: true, revision: 2, deleted: false });
      await store.close();
    }
  });

  it('refuses appends, deletes and truncates with ANNALS_STORE_READ_ONLY and writes nothing', async () => {
    const { url, events } = await seededFile('refuses.db');
    const store = await openStore(url, { readonly: true });
    const writes: [string, () => Promise<unknown>][] = [
      ['append', () => store.append('account-1', [{ type: 'Withdrawn' }], { expectedRevision: 2 })],
      ['append', () => store.append('account-2', [{ type: 'Opened' }])],
      ['append', () => store.appendMany([{ stream: 'account-3', events: [{ type: 'Opened' }] }])],
      ['delete a stream', () => store.deleteStream('account-1')],
      ['delete a stream', () => store.deleteStream('account-1', { mode: 'hard' })],
      ['truncate a stream', () => store.truncateStream('account-1', { before: 1 })],
    ];
    for (const [operation, write] of writes) {
      const error = await write().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ReadOnlyStoreError);
      expect(error).toMatchObject({ code: 'ANNALS_STORE_READ_ONLY', operation, retryable: false });
    }
    await store.close();

    const check = await openStore(url);
    expect(await collect(check.readAll())).toEqual(events);
    expect(await check.streamInfo('account-1')).toMatchObject({ exists: true, revision: 2, deleted: false, truncatedBefore: 0 });
    await check.close();
  });

  it('still rejects bad input with its own error before refusing the write', async () => {
    const { url } = await seededFile('validates.db');
    const store = await openStore(url, { readonly: true });
    await expect(store.append('', [{ type: 'Opened' }])).rejects.toMatchObject({ code: 'ANNALS_INVALID_STREAM_NAME' });
    await expect(store.append('account-1', [{ type: '' }])).rejects.toMatchObject({ code: 'ANNALS_INVALID_EVENT' });
    await store.close();
  });

  it('wakes its subscribers when a writer appends to the file', async () => {
    const { url, events } = await seededFile('follows.db');
    const reader = await openStore(url, { readonly: true });
    const writer = await openStore(url);
    const stop = new AbortController();
    const guard = setTimeout(() => stop.abort(), 20_000);
    const iterator = reader.subscribe({ after: events[2]!.position, signal: stop.signal })[Symbol.asyncIterator]();
    const next = iterator.next();
    const appended = await writer.append('account-1', [{ type: 'Withdrawn', data: { amount: 3 } }]);
    const received = await next;
    clearTimeout(guard);
    stop.abort();
    await iterator.return?.();
    expect(received.done).toBe(false);
    expect(received.value).toMatchObject({ stream: 'account-1', revision: 3, position: appended.position, type: 'Withdrawn' });
    await reader.close();
    await writer.close();
  });

  it('fails with ANNALS_MIGRATION_REQUIRED on a file that was never migrated, and changes nothing', async () => {
    const file = dir.file('unmigrated.db');
    await expect(openStore(`sqlite:${file}`, { migrate: false })).rejects.toMatchObject({ code: 'ANNALS_MIGRATION_REQUIRED' });
    await expect(openStore(`sqlite:${file}`, { readonly: true })).rejects.toMatchObject({ code: 'ANNALS_MIGRATION_REQUIRED', found: 0 });
    expect(annalsTables(file)).toEqual([]);
  });

  it('fails with a typed error, creating nothing, when the file does not exist', async () => {
    const file = dir.file('missing.db');
    await expect(openStore(`sqlite:${file}`, { readonly: true })).rejects.toMatchObject({ code: 'ANNALS_STORE_OPEN_FAILED', failure: 'file missing', location: file });
    expect(existsSync(file)).toBe(false);
  });
});
