// `npm start` end to end: the built bank example, run twice in a fresh directory,
// then the SQLite file it leaves behind read back through the public API.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldEvents, openStore, toDecidedEvent, type RecordedEvent } from '../../src/index.js';
import { account, type AccountEvent } from '../../examples/bank/account.js';
import { bankEvents } from '../../examples/bank/events.js';

const fold = (events: readonly RecordedEvent[]) => foldEvents(account, events.map((e) => toDecidedEvent<AccountEvent>(e)));

const MAIN = fileURLToPath(new URL('../../dist/examples/bank/main.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The run's suffix, from its first line: its accounts are account-alice-<id> and account-bob-<id>. */
  readonly id: string;
}

function runExample(cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, id: /run ([0-9a-f]{6}) /.exec(stdout)?.[1] ?? '' }));
  });
}

describe('the bank example (npm start)', () => {
  let dir: string;
  const runs: Run[] = [];

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' first (npm test does).`);
    dir = await realpath(await mkdtemp(join(tmpdir(), 'annals-bank-')));
    runs.push(await runExample(dir)); // a new annals.db
    runs.push(await runExample(dir)); // the same annals.db again
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 on a new store and again on the same store, with fresh account ids', () => {
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.id).toMatch(/^[0-9a-f]{6}$/);
    }
    expect(runs[0]!.id).not.toBe(runs[1]!.id);
  });

  it('shows each step: balances, the atomic transfer, the conflict, the retry, the rebuild and the next step', () => {
    for (const { stdout, id } of runs) {
      expect(stdout).toContain(`balances folded from the log: Alice 70.00 (revision 2), Bob 50.00 (revision 1)`);
      expect(stdout).toContain('refused by the domain with InsufficientFunds (balance 50.00); nothing written');
      expect(stdout).toContain('Alice expected revision 2 -> 3, Bob expected revision 1 -> 2: one transaction');
      expect(stdout).toContain('teller 1 withdraws 20.00: appended at revision 4');
      expect(stdout).toContain('teller 2 withdraws 15.00 on revision 3: WrongExpectedRevisionError ANNALS_WRONG_EXPECTED_REVISION, the stream is at 4');
      expect(stdout).toContain("hint: Reload the stream and decide again; where order does not matter, give no expected revision (it defaults to 'any').");
      expect(stdout).toContain('decides again: appended at revision 5, balance 10.00');
      expect(stdout).toContain('the handler reloads and decides again: appended at revision 5, balance 10.00');
      expect(stdout).toContain('same commandId) again: revision 3, position ');
      expect(stdout).toContain(`events in account-bob-${id}: 4 before the retry, 4 after; causationId is the command id: yes`);
      expect(stdout).toContain('Bob deposits 12.5 cents: refused by the domain (Invalid amount 12.5');
      expect(stdout).toMatch(/the same event appended past the domain: ANNALS_INVALID_EVENT at data\.amount \(.+\); nothing written/);
      expect(stdout).toContain(`account-carol-${id} was opened by version 1 without a currency; read through the upcaster: currency EUR`);
      expect(stdout).toContain('10 events of this run folded from scratch: Alice 10.00, Bob 85.00');
      expect(stdout).toContain('equal to the live state: yes');
      expect(stdout).toContain('balances (inline, applied by each append): Alice 10.00, Bob 85.00, read without waiting; equal to the live state: yes');
      expect(stdout).toMatch(new RegExp(`query accounts-of Bob waiting for position \\d+ \\(read-your-writes\\): account-bob-${id} 86\\.00`));
      expect(stdout).toContain(`monthly-statements parked Dave's 2 movements after "the statement format cannot print 2000.00 (at most 1000.00)"; Bob's deposit went through`);
      expect(stdout).toContain(`after the fix, dlq retry applied 2 events in order: Dave's statement in 2000.00, out 5.00`);
      expect(stdout).toMatch(/balances rebuilt from the log beside the live one: generation (\d+) -> (\d+) in \d+ ms \(\d+ progress reports\), then one switch; equal to the live state: yes/);
      expect(stdout).toContain(`store: ${join(dir, 'annals.db')} (sqlite:./annals.db)`);
      expect(stdout).toMatch(new RegExp(`next: .+ read-all\\n +.+ read account-alice-${id}\\n +.+ --schemas .+events\\.js check-events\\n`));
      // Short and readable: no JSON dumps.
      expect(stdout).not.toContain('{"');
      expect(stdout.split('\n').length).toBeLessThan(50);
    }
  });

  it('leaves both runs in annals.db: each account folds to its final balance, the retried deposit once', async () => {
    const store = await openStore(`sqlite:${join(dir, 'annals.db')}`, { schemas: bankEvents });
    try {
      const byStream = new Map<string, RecordedEvent[]>();
      for await (const event of store.readAll({ category: 'account' })) {
        byStream.set(event.stream, [...(byStream.get(event.stream) ?? []), event]);
      }
      const expectedStreams = runs.flatMap(({ id }) => [`account-alice-${id}`, `account-bob-${id}`, `account-carol-${id}`, `account-dave-${id}`]);
      expect([...byStream.keys()].sort()).toEqual(expectedStreams.sort());

      for (const { id } of runs) {
        const alice = byStream.get(`account-alice-${id}`)!;
        const bob = byStream.get(`account-bob-${id}`)!;
        expect(alice.map((e) => e.type)).toEqual([
          'AccountOpened',
          'MoneyDeposited',
          'MoneyWithdrawn',
          'TransferSent',
          'MoneyWithdrawn',
          'MoneyWithdrawn',
        ]);
        expect(bob.map((e) => e.type)).toEqual(['AccountOpened', 'MoneyDeposited', 'TransferReceived', 'MoneyDeposited', 'MoneyDeposited']);
        expect(fold(alice)).toEqual({ status: 'open', owner: 'Alice', currency: 'EUR', balance: 1_000 });
        expect(fold(bob)).toEqual({ status: 'open', owner: 'Bob', currency: 'EUR', balance: 8_600 });
        expect(fold(byStream.get(`account-dave-${id}`)!)).toEqual({ status: 'open', owner: 'Dave', currency: 'EUR', balance: 199_500 });
        // Written at version 1 (no currency), read at version 2.
        const carol = byStream.get(`account-carol-${id}`)!;
        expect(carol.map((e) => [e.data, e.metadata.schemaVersion])).toEqual([[{ owner: 'Carol', currency: 'EUR' }, 2]]);

        // The two halves of the transfer carry the same correlation id.
        const sent = alice.find((e) => e.type === 'TransferSent')!;
        const received = bob.find((e) => e.type === 'TransferReceived')!;
        expect(sent.metadata.correlationId).toMatch(/^[0-9a-f-]{36}$/);
        expect(received.metadata.correlationId).toBe(sent.metadata.correlationId);

        // The deposit sent twice: once in the log, with the command id as causation and correlation.
        const deposit = bob[3]!;
        expect(deposit.metadata.causationId).toMatch(/^[0-9a-f-]{36}$/);
        expect(deposit.metadata.correlationId).toBe(deposit.metadata.causationId);

        const info = await store.streamInfo(`account-bob-${id}`);
        expect(info).toMatchObject({ exists: true, revision: 4, deleted: false });
      }
    } finally {
      await store.close();
    }
  });
  it("passes 'annals check-events' with the bank's schemas", async () => {
    const cli = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
    const schemas = fileURLToPath(new URL('../../dist/examples/bank/events.js', import.meta.url));
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [cli, '--store', 'sqlite:./annals.db', '--schemas', schemas, 'check-events'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(result).toEqual({ code: 0, stdout: 'checked 30 events: 30 ok, 0 failed, 0 of types without a schema\n' });
  });
});
