// `npm start`: a small bank on the embedded SQLite store, showing what event sourcing gives.
// Every run uses fresh account ids, so it can run again and again on the same annals.db.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { openStore, WrongExpectedRevisionError, type EventStore } from '../../src/index.js';
import { decide, decideTransfer, evolve, fold, formatMoney, initialState, InsufficientFunds, type Account, type AccountCommand } from './account.js';
import { ACCOUNT_CATEGORY, accountStream, loadAccount, toAccountEvent } from './account-store.js';
import { describeEvents, heading, line, printFailure } from './output.js';

const STORE_URL = 'sqlite:./annals.db';

interface Run {
  readonly store: EventStore;
  readonly alice: string;
  readonly bob: string;
  /** What the application knows after each of its own appends: the state a rebuild must match. */
  readonly live: Map<string, Account>;
}

/** Loads, decides, appends with the loaded revision as the expected one. */
async function execute(run: Run, stream: string, command: AccountCommand) {
  const loaded = await loadAccount(run.store, stream);
  const events = decide(command, loaded.state);
  const result = await run.store.append(stream, events, { expectedRevision: loaded.expectedRevision });
  run.live.set(stream, fold(events, loaded.state));
  return { events, result };
}

function balance(run: Run, stream: string): string {
  return formatMoney(run.live.get(stream)!.balance);
}

async function openDepositWithdraw(run: Run): Promise<void> {
  heading(1, 'Open accounts, deposit, withdraw');
  const plans: [string, AccountCommand[]][] = [
    [run.alice, [{ type: 'OpenAccount', owner: 'Alice' }, { type: 'Deposit', amount: 10_000 }, { type: 'Withdraw', amount: 3_000 }]],
    [run.bob, [{ type: 'OpenAccount', owner: 'Bob' }, { type: 'Deposit', amount: 5_000 }]],
  ];
  for (const [stream, commands] of plans) {
    const written = [];
    for (const command of commands) written.push(...(await execute(run, stream, command)).events);
    line(`${stream}: ${describeEvents(written)}`);
  }
  try {
    await execute(run, run.bob, { type: 'Withdraw', amount: 8_000 });
    throw new Error('Bob withdrew more than his balance: the domain should have refused.');
  } catch (error) {
    if (!(error instanceof InsufficientFunds)) throw error;
    line(`Bob withdraws 80.00: refused by the domain with InsufficientFunds (balance ${formatMoney(error.balance)}); nothing written`);
  }
  const [alice, bob] = [await loadAccount(run.store, run.alice), await loadAccount(run.store, run.bob)];
  line(
    `balances folded from the log: Alice ${formatMoney(alice.state.balance)} (revision ${alice.expectedRevision}), ` +
      `Bob ${formatMoney(bob.state.balance)} (revision ${bob.expectedRevision})`,
  );
}

async function transfer(run: Run): Promise<void> {
  heading(2, 'Transfer 25.00 from Alice to Bob: both streams in one atomic appendMany');
  const [from, to] = [await loadAccount(run.store, run.alice), await loadAccount(run.store, run.bob)];
  const transferId = randomUUID();
  const decided = decideTransfer({ transferId, from: run.alice, to: run.bob, amount: 2_500 }, from.state, to.state);
  const metadata = { correlationId: transferId };
  const [sent, received] = await run.store.appendMany([
    { stream: run.alice, events: decided.from.map((e) => ({ ...e, metadata })), expectedRevision: from.expectedRevision },
    { stream: run.bob, events: decided.to.map((e) => ({ ...e, metadata })), expectedRevision: to.expectedRevision },
  ]);
  run.live.set(run.alice, fold(decided.from, from.state));
  run.live.set(run.bob, fold(decided.to, to.state));
  line(
    `Alice expected revision ${from.expectedRevision} -> ${sent!.streamRevision}, Bob expected revision ${to.expectedRevision} -> ${received!.streamRevision}: ` +
      `one transaction, both or neither`,
  );
  line(`positions ${sent!.position} and ${received!.position}; balances Alice ${balance(run, run.alice)}, Bob ${balance(run, run.bob)}`);
}

async function concurrentTellers(run: Run): Promise<void> {
  heading(3, 'Two tellers update Alice at the same time: the expected revision catches it');
  const teller1 = await loadAccount(run.store, run.alice);
  const teller2 = await loadAccount(run.store, run.alice);
  line(`both tellers loaded Alice at revision ${teller1.expectedRevision} (balance ${formatMoney(teller1.state.balance)})`);

  const first = decide({ type: 'Withdraw', amount: 2_000 }, teller1.state);
  const written = await run.store.append(run.alice, first, { expectedRevision: teller1.expectedRevision });
  run.live.set(run.alice, fold(first, teller1.state));
  line(`teller 1 withdraws 20.00 with expectedRevision ${teller1.expectedRevision}: appended at revision ${written.streamRevision}`);

  const stale = decide({ type: 'Withdraw', amount: 1_500 }, teller2.state);
  try {
    await run.store.append(run.alice, stale, { expectedRevision: teller2.expectedRevision });
    throw new Error('The second teller appended on a stale revision: the store should have refused.');
  } catch (error) {
    if (!(error instanceof WrongExpectedRevisionError)) throw error;
    line(`teller 2 withdraws 15.00 with expectedRevision ${String(error.expected)}: ${error.name} ${error.code}, the stream is at ${error.actual}`);
    line(`  hint: ${error.hint}`);
  }

  const reloaded = await loadAccount(run.store, run.alice);
  const retry = decide({ type: 'Withdraw', amount: 1_500 }, reloaded.state);
  const retried = await run.store.append(run.alice, retry, { expectedRevision: reloaded.expectedRevision });
  run.live.set(run.alice, fold(retry, reloaded.state));
  line(
    `teller 2 reloads (revision ${reloaded.expectedRevision}, balance ${formatMoney(reloaded.state.balance)}), decides again: ` +
      `appended at revision ${retried.streamRevision}, balance ${balance(run, run.alice)}`,
  );
}

async function idempotentRetry(run: Run): Promise<void> {
  heading(4, 'A retried append is not duplicated');
  const loaded = await loadAccount(run.store, run.bob);
  // Ids chosen by the client, so that sending the same append again is recognised as a retry.
  const events = decide({ type: 'Deposit', amount: 1_000 }, loaded.state).map((e) => ({ ...e, id: randomUUID() }));
  const options = { expectedRevision: loaded.expectedRevision };
  const first = await run.store.append(run.bob, events, options);
  run.live.set(run.bob, fold(events, loaded.state));
  line(`Bob deposits 10.00: revision ${first.streamRevision}, position ${first.position}; then the answer is lost (a timeout, say)`);

  const before = (await loadAccount(run.store, run.bob)).events;
  const again = await run.store.append(run.bob, events, options);
  const after = (await loadAccount(run.store, run.bob)).events;
  if (!isDeepStrictEqual(again, first) || after !== before) throw new Error('The retried append was written twice.');
  line(`the client sends the same events (same ids) again: revision ${again.streamRevision}, position ${again.position}, the same result`);
  line(`events in ${run.bob}: ${before} before the retry, ${after} after`);
}

async function rebuildFromLog(run: Run): Promise<void> {
  heading(5, 'State rebuilt from the log equals the live state');
  const rebuilt = new Map<string, Account>();
  let read = 0;
  for await (const recorded of run.store.readAll({ category: ACCOUNT_CATEGORY })) {
    if (!run.live.has(recorded.stream)) continue; // accounts of earlier runs
    rebuilt.set(recorded.stream, evolve(rebuilt.get(recorded.stream) ?? initialState, toAccountEvent(recorded)));
    read++;
  }
  const equal = isDeepStrictEqual(rebuilt, run.live);
  const balances = [...rebuilt].map(([stream, account]) => `${account.owner} ${formatMoney(account.balance)}`).join(', ');
  line(`readAll({ category: '${ACCOUNT_CATEGORY}' }): ${read} events of this run folded from scratch: ${balances}`);
  line(`equal to the live state: ${equal ? 'yes' : 'NO'}`);
  if (!equal) throw new Error(`The rebuilt state differs from the live state: ${JSON.stringify([...rebuilt])}`);
}

function nextSteps(run: Run): void {
  heading(6, 'The log is yours to read');
  line(`store: ${resolve('annals.db')} (${STORE_URL})`);
  // `npx annals` finds this package's own command only in the package's root directory.
  const cli = insidePackageRoot() ? 'npx annals' : `node ${fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))}`;
  line(`next: ${cli} read-all`);
  line(`      ${cli} read ${run.alice}`);
}

function insidePackageRoot(): boolean {
  if (!existsSync('package.json')) return false;
  try {
    return (JSON.parse(readFileSync('package.json', 'utf8')) as { name?: unknown }).name === 'annals';
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const suffix = randomBytes(3).toString('hex');
  const store = await openStore(STORE_URL);
  const run: Run = { store, alice: accountStream(`alice-${suffix}`), bob: accountStream(`bob-${suffix}`), live: new Map() };
  console.log(`Annals bank example: run ${suffix} on ${STORE_URL}`);
  try {
    await openDepositWithdraw(run);
    await transfer(run);
    await concurrentTellers(run);
    await idempotentRetry(run);
    await rebuildFromLog(run);
    nextSteps(run);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  printFailure(error);
  process.exitCode = 1;
});
