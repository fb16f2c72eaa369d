import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.js';
import { openSqlite, openSqliteAdapter } from '../../src/adapters/sqlite/index.js';
import { createTempDir } from '../helpers/temp-dir.js';

const dir = createTempDir();
afterAll(() => dir.remove());

let files = 0;
const newFile = () => dir.file(`settings-${++files}.db`);
const GROUPS_BY_DEFAULT = { maxAppends: 64, maxMs: 10 };

/** The settings the backend's own connection runs with (pragmas are per connection). */
async function settingsOf(target: string, options: Parameters<typeof openSqlite>[1] = {}) {
  const backend = await openSqlite(target, options);
  try {
    return backend.settings;
  } finally {
    await backend.close();
  }
}

describe('SQLite: durability and locking settings', () => {
  it('runs a file in WAL mode with synchronous FULL, a 5 s busy timeout and group commit by default', async () => {
    // better-sqlite3 is built with NORMAL as the WAL default: FULL must be set by Annals.
    expect(await settingsOf(newFile())).toEqual({ journalMode: 'wal', synchronous: 'full', busyTimeoutMs: 5000, groupCommit: GROUPS_BY_DEFAULT });
  });

  it('reports a file with synchronous FULL as durable, and says what NORMAL or memory can lose', async () => {
    const stores = [await openStore(`sqlite:${newFile()}`), await openStore(`sqlite:${newFile()}?synchronous=normal`), await openStore('sqlite::memory:')];
    try {
      expect(stores.map((s) => s.durability.safe)).toEqual([true, false, false]);
      expect(stores[1]!.durability.risk).toMatch(/power loss/);
      expect(stores[2]!.durability.risk).toMatch(/in-memory/);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('takes synchronous and busyTimeoutMs from the URL', async () => {
    expect(await settingsOf(`${newFile()}?synchronous=normal&busyTimeoutMs=250`)).toEqual({
      journalMode: 'wal',
      synchronous: 'normal',
      busyTimeoutMs: 250,
      groupCommit: GROUPS_BY_DEFAULT,
    });
    expect(await settingsOf(`//${newFile()}?synchronous=full`)).toMatchObject({ synchronous: 'full' });
  });

  it('lets options given in code win over the URL', async () => {
    expect(await settingsOf(`${newFile()}?synchronous=normal`, { synchronous: 'full' })).toMatchObject({ synchronous: 'full' });
    expect(await settingsOf(newFile(), { synchronous: 'normal', busyTimeoutMs: 1234 })).toMatchObject({ synchronous: 'normal', busyTimeoutMs: 1234 });
  });

  it('keeps the settings when the store is reopened read-only', async () => {
    const file = newFile();
    await (await openStore(`sqlite:${file}`)).close();
    expect(await settingsOf(file, { readonly: true })).toEqual({ journalMode: 'wal', synchronous: 'full', busyTimeoutMs: 5000, groupCommit: GROUPS_BY_DEFAULT });
  });

  it('takes the group commit options from the URL or from code, and turns grouping off with groupCommit=false', async () => {
    expect(await settingsOf(`${newFile()}?groupMaxAppends=8&groupMaxMs=3`)).toMatchObject({ groupCommit: { maxAppends: 8, maxMs: 3 } });
    expect(await settingsOf(newFile(), { groupMaxAppends: 100 })).toMatchObject({ groupCommit: { maxAppends: 100, maxMs: 10 } });
    expect(await settingsOf(`${newFile()}?groupCommit=false`)).toMatchObject({ groupCommit: false });
    expect(await settingsOf(`${newFile()}?groupCommit=0`, { groupCommit: true })).toMatchObject({ groupCommit: GROUPS_BY_DEFAULT });
  });

  it.each([
    ['an unknown synchronous level', '?synchronous=fast'],
    ['an unknown option', '?durability=full'],
    ['a busy timeout that is not a number', '?busyTimeoutMs=soon'],
    ['a busy timeout of zero', '?busyTimeoutMs=0'],
    ['a poll interval that is not an integer', '?pollIntervalMs=2.5'],
    ['a flag that is neither true nor false', '?migrate=maybe'],
    ['a read-only flag that is neither true nor false', '?readonly=yes'],
    ['a page size of zero', '?pageSize=0'],
    ['a group commit flag that is neither true nor false', '?groupCommit=sometimes'],
    ['a group of zero appends', '?groupMaxAppends=0'],
    ['a group time bound that is not an integer', '?groupMaxMs=0.5'],
  ])('rejects %s with ANNALS_INVALID_ARGUMENT before creating the file', async (_, query) => {
    const file = newFile();
    await expect(openStore(`sqlite:${file}${query}`)).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT' });
    expect(existsSync(file)).toBe(false);
  });

  it('rejects a bad synchronous option given in code before creating the file', async () => {
    const file = newFile();
    await expect(openStore(`sqlite:${file}`, { synchronous: 'off' as 'full' })).rejects.toMatchObject({
      code: 'ANNALS_INVALID_ARGUMENT',
      argument: 'synchronous',
      value: 'off',
    });
    expect(existsSync(file)).toBe(false);
  });

  it('refuses to report settings once closed', async () => {
    const backend = await openSqlite(newFile());
    await backend.close();
    expect(() => backend.settings).toThrow(expect.objectContaining({ code: 'ANNALS_STORE_CLOSED' }));
  });

  it('opens a backend from a sqlite: URL as well as from a path, as openPostgres and openRedis take URLs', async () => {
    const file = newFile();
    const backend = await openSqlite(`sqlite:${file}?synchronous=normal`);
    expect(backend.location).toBe(file);
    expect(backend.settings.synchronous).toBe('normal');
    await backend.close();
    expect(existsSync(file)).toBe(true);
  });

  it('with create: false (or ?create=false) refuses a path where no store exists, creating nothing', async () => {
    const file = newFile();
    for (const opening of [() => openStore(`sqlite:${file}`, { create: false }), () => openStore(`sqlite:${file}?create=false`)]) {
      await expect(opening()).rejects.toMatchObject({ code: 'ANNALS_STORE_OPEN_FAILED', failure: 'file missing', retryable: false, location: file });
      expect(existsSync(file)).toBe(false);
    }
    await (await openStore(`sqlite:${file}`)).close();
    const existing = await openStore(`sqlite:${file}`, { create: false });
    expect(existing.backend).toBe('sqlite');
    await existing.close();
  });

  it('still opens a backend through the deprecated synchronous openSqliteAdapter', async () => {
    const backend = openSqliteAdapter(newFile(), { synchronous: 'normal' });
    expect(backend.settings.synchronous).toBe('normal');
    await backend.close();
  });
});
