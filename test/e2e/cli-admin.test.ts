import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, Workspace } from './cli-harness.js';

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
});
afterEach(async () => {
  await ws.cleanup();
});

async function appendThree(stream: string): Promise<void> {
  const input = ['A', 'B', 'C'].map((type) => JSON.stringify({ type })).join('\n');
  expect((await ws.run(['append', stream, '--events', '-'], { input })).code).toBe(0);
}

describe('annals delete', () => {
  it('soft-deletes a stream: it reads as empty and info says so', async () => {
    await appendThree('cart-1');
    const result = await ws.run(['delete', 'cart-1']);
    expect(result).toMatchObject({ code: 0, stdout: 'soft-deleted cart-1\n' });
    expect((await ws.run(['--json', 'read', 'cart-1'])).stdout).toBe('');
    expect(jsonLines((await ws.run(['--json', 'info', 'cart-1'])).stdout)).toEqual([
      { stream: 'cart-1', exists: false, revision: 2, deleted: 'soft', truncatedBefore: 3 },
    ]);
  });

  it('hard-deletes with --hard and prints the result as JSON', async () => {
    await appendThree('cart-1');
    const result = await ws.run(['--json', 'delete', 'cart-1', '--hard', '--expected-revision', '2']);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([{ stream: 'cart-1', deleted: 'hard' }]);
    expect((await ws.run(['info', 'cart-1'])).stdout).toContain('deleted:           hard\n');
  });

  it('exits 3 and deletes nothing when the expected revision does not match', async () => {
    await appendThree('cart-1');
    const result = await ws.run(['delete', 'cart-1', '--expected-revision', '0']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error ANNALS_WRONG_EXPECTED_REVISION: /);
    expect(jsonLines((await ws.run(['--json', 'read', 'cart-1'])).stdout)).toHaveLength(3);
  });
});

describe('annals truncate', () => {
  it('removes the revisions before --before', async () => {
    await appendThree('cart-1');
    const result = await ws.run(['truncate', 'cart-1', '--before', '2']);
    expect(result).toMatchObject({ code: 0, stdout: 'truncated cart-1: revisions before 2 removed\n' });
    expect(jsonLines((await ws.run(['--json', 'read', 'cart-1'])).stdout).map((e) => e.type)).toEqual(['C']);
    const json = await ws.run(['--json', 'truncate', 'cart-1', '--before', '3']);
    expect(jsonLines(json.stdout)).toEqual([{ stream: 'cart-1', before: 3 }]);
  });

  it('exits 4 for a stream without events', async () => {
    const result = await ws.run(['truncate', 'nobody-1', '--before', '1']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^error ANNALS_STREAM_NOT_FOUND: /);
  });

  it('exits 2 without --before', async () => {
    const result = await ws.run(['truncate', 'cart-1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: required option '--before <revision>' not specified`);
  });
});

describe('annals migrate', () => {
  it('creates the schema of a new SQLite file, then finds it up to date', async () => {
    const first = await ws.run(['--json', 'migrate']);
    expect(first.code).toBe(0);
    expect(jsonLines(first.stdout)).toEqual([{ backend: 'sqlite', version: 5, migratedFrom: 0, applied: true }]);
    expect((await ws.run(['migrate'])).stdout).toBe('schema version 5: up to date, nothing applied\n');
  });

  it('says the memory store has nothing to migrate', async () => {
    const result = await ws.run(['--store', 'memory:', 'migrate']);
    expect(result).toMatchObject({ code: 0, stdout: 'the memory store has no schema: nothing to migrate\n' });
    const json = await ws.run(['--store', 'memory:', '--json', 'migrate']);
    expect(jsonLines(json.stdout)).toEqual([{ backend: 'memory', version: null, migratedFrom: null, applied: false }]);
  });
});

describe('choosing the store', () => {
  it('uses sqlite:./annals.db in the working directory when neither --store nor ANNALS_STORE is given', async () => {
    const result = await ws.run(['append', 'note-1', 'Written'], { env: { ANNALS_STORE: undefined } });
    expect(result.code).toBe(0);
    expect(existsSync(join(ws.dir, 'annals.db'))).toBe(true);
    expect(existsSync(join(ws.dir, 'events.db'))).toBe(false);
    const read = await ws.run(['--json', 'read', 'note-1'], { env: { ANNALS_STORE: undefined } });
    expect(jsonLines(read.stdout).map((e) => e.type)).toEqual(['Written']);
  });

  it('uses ANNALS_STORE, and --store wins over it', async () => {
    const env = { ANNALS_STORE: 'sqlite:./from-env.db' };
    expect((await ws.run(['append', 'note-1', 'FromEnv'], { env })).code).toBe(0);
    expect(existsSync(join(ws.dir, 'from-env.db'))).toBe(true);
    // Global options may also follow the command.
    expect((await ws.run(['append', 'note-1', 'FromFlag', '--store', 'sqlite:./from-flag.db'], { env })).code).toBe(0);
    const fromEnv = jsonLines((await ws.run(['--json', 'read', 'note-1'], { env })).stdout);
    expect(fromEnv.map((e) => e.type)).toEqual(['FromEnv']);
    const fromFlag = jsonLines((await ws.run(['--json', '--store', 'sqlite:./from-flag.db', 'read', 'note-1'])).stdout);
    expect(fromFlag.map((e) => e.type)).toEqual(['FromFlag']);
  });

  it('exits 2 on a store URL it does not support', async () => {
    const result = await ws.run(['--store', 'mongodb://localhost/x', 'info', 'a-1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error ANNALS_UNSUPPORTED_STORE_URL: Cannot open a store from "mongodb:\/\/localhost\/x"\.\n {2}hint: /);
  });

  it('reports a store that cannot be opened with its code and hint, and the stack only with --verbose', async () => {
    const url = `sqlite:${join(ws.dir, 'missing-dir', 'x.db')}`;
    const plain = await ws.run(['--store', url, 'append', 'a-1', 'Opened']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^error ANNALS_STORE_OPEN_FAILED: Cannot open the store at .*x\.db: its directory does not exist\.\n  hint: Check the path/);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const verbose = await ws.run(['--verbose', '--store', url, 'append', 'a-1', 'Opened']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it.each(['read', 'read-all', 'info', 'get'])('%s says that no store exists at a mistyped path, and creates none', async (command) => {
    const file = join(ws.dir, 'mistyped.db');
    const args = command === 'read' || command === 'info' ? [command, 'a-1'] : command === 'get' ? [command, '6f1c2b1e-8a3d-4c5e-9f00-0123456789ab'] : [command];
    const result = await ws.run(['--store', `sqlite:${file}`, ...args]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error ANNALS_STORE_OPEN_FAILED: No store exists at ${file}.`);
    expect(existsSync(file)).toBe(false);
  });

  it('says so when the path is a directory or a file of another kind', async () => {
    const notDb = join(ws.dir, 'notes.txt');
    writeFileSync(notDb, 'not a database, just some notes that are long enough to fill a header page\n'.repeat(4));
    const directory = await ws.run(['--store', `sqlite:${ws.dir}`, 'read-all']);
    expect(directory.stderr).toContain('error ANNALS_STORE_OPEN_FAILED: Cannot open the store at');
    expect(directory.stderr).toContain('it is a directory');
    const other = await ws.run(['--store', `sqlite:${notDb}`, 'read-all']);
    expect(other.stderr).toContain(`error ANNALS_STORE_OPEN_FAILED: ${notDb} is not a SQLite database.`);
    expect(other.code).toBe(1);
  });
});

describe('program', () => {
  it('prints the version of package.json with --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await ws.run(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('exits 2 and shows the usage when no command is given', async () => {
    const result = await ws.run([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: annals [options] [command]');
    const json = await ws.run(['--json']);
    expect(json.code).toBe(2);
    expect(jsonLines(json.stderr)).toEqual([{ error: expect.objectContaining({ name: 'UsageError', code: 'commander.help' }) }]);
  });

  it('exits 2 on an unknown command', async () => {
    const result = await ws.run(['replay']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: unknown command 'replay'`);
  });

  it('exits 2 on a missing argument', async () => {
    const result = await ws.run(['info']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: missing required argument 'stream'`);
  });
});

describe('environment variables', () => {
  it('takes ANNALS_STORE and ANNALS_SCHEMAS set to nothing as not set', async () => {
    // The default store, sqlite:./annals.db in the working directory, and no schemas.
    const result = await ws.run(['append', 'order-1', 'OrderPlaced'], { env: { ANNALS_STORE: '', ANNALS_SCHEMAS: '' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(join(ws.dir, 'annals.db'))).toBe(true);
  });
});
