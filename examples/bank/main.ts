// `npm start`: a small bank on the embedded SQLite store, showing what event sourcing gives.
// Every run uses fresh account ids, so it can run again and again on the same annals.db.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import {
  CommandHandler,
  handleQuery,
  InvalidEventError,
  listDeadLetters,
  loadState,
  openStore,
  rebuildProjection,
  retryDeadLetters,
  runProjections,
  toDecidedEvent,
  type CommandStore,
  type EventStore,
  type RunningProjections,
} from '../../src/index.js';
import { account, formatMoney, InsufficientFunds, InvalidAmount, type Account, type AccountCommand, type AccountEvent } from './account.js';
import { ACCOUNT_CATEGORY, accountStream } from './account-store.js';
import { bankEvents } from './events.js';
import { describeEvents, heading, line, printFailure } from './output.js';
import { accountsByOwner, balances, monthlyStatements, statements as fixedStatements } from './projections.js';
import { accountsOf, statementOf } from './queries.js';
import { transfer } from './transfer.js';

const STORE_URL = 'sqlite:./annals.db';

interface Run {
  readonly store: EventStore;
  readonly accounts: CommandHandler<Account, AccountCommand, AccountEvent>;
  readonly alice: string;
  readonly bob: string;
  readonly carol: string;
  readonly dave: string;
  /** What the application knows after each of its own commands: the state a rebuild must match. */
  readonly live: Map<string, Account>;
  /** The balances (inline) and accounts-by-owner (async) projections, running in this process. */
  readonly projections: RunningProjections;
}

async function execute(run: Run, stream: string, command: AccountCommand) {
  const result = await run.accounts.handle(stream, command);
  run.live.set(stream, result.state);
  return result;
}

function balance(run: Run, stream: string): string {
  return formatMoney(run.live.get(stream)!.balance);
}

async function openDepositWithdraw(run: Run): Promise<void> {
  heading(1, 'Open accounts, deposit, withdraw: commands decided by the account decider');
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
  const [alice, bob] = [await loadState(run.store, account, run.alice), await loadState(run.store, account, run.bob)];
  line(
    `balances folded from the log: Alice ${formatMoney(alice.state.balance)} (revision ${alice.revision}), ` +
      `Bob ${formatMoney(bob.state.balance)} (revision ${bob.revision})`,
  );
}

async function transferStep(run: Run): Promise<void> {
  heading(2, 'Transfer 25.00 from Alice to Bob: both streams in one atomic appendMany');
  const result = await transfer(run.store, { transferId: randomUUID(), from: run.alice, to: run.bob, amount: 2_500 });
  run.live.set(run.alice, (await loadState(run.store, account, run.alice)).state);
  run.live.set(run.bob, (await loadState(run.store, account, run.bob)).state);
  line(
    `Alice expected revision ${result.expected.from} -> ${result.revisions.from}, Bob expected revision ${result.expected.to} -> ${result.revisions.to}: ` +
      `one transaction, both or neither`,
  );
  line(`positions ${result.positions.from} and ${result.positions.to}; balances Alice ${balance(run, run.alice)}, Bob ${balance(run, run.bob)}`);
}

async function concurrentTellers(run: Run): Promise<void> {
  heading(3, 'Two tellers update Alice at the same time: the handler catches the conflict and decides again');
  const teller1 = () => execute(run, run.alice, { type: 'Withdraw', amount: 2_000 });
  // Teller 2 is on a slow link: its first append reaches the store only after teller 1's command.
  // The link is a store object of its own, as another process's would be: commands handled
  // through one store object take turns and never conflict; these two race.
  let held = true;
  const slowLink: CommandStore = {
    readStream: (stream, options) => run.store.readStream(stream, options),
    getEvent: (id) => run.store.getEvent(id),
    streamInfo: (stream) => run.store.streamInfo(stream),
    append: async (stream, events, options) => {
      if (held) {
        held = false;
        const first = await teller1();
        line(`teller 1 withdraws 20.00: appended at revision ${first.streamRevision}`);
      }
      return run.store.append(stream, events, options);
    },
  };
  const teller2 = new CommandHandler(slowLink, account, {
    onConflict: (error) => {
      line(`teller 2 withdraws 15.00 on revision ${String(error.expected)}: ${error.name} ${error.code}, the stream is at ${error.actual}`);
      line(`  hint: ${error.hint}`);
    },
  });
  const result = await teller2.handle(run.alice, { type: 'Withdraw', amount: 1_500 });
  run.live.set(run.alice, result.state);
  line(`the handler reloads and decides again: appended at revision ${result.streamRevision}, balance ${balance(run, run.alice)}`);
}

async function idempotentRetry(run: Run): Promise<void> {
  heading(4, 'A retried command is not duplicated');
  // The client gives the command an id: the events' ids derive from it, so sending it again is recognised.
  const command: AccountCommand = { type: 'Deposit', amount: 1_000, commandId: randomUUID() };
  const first = await execute(run, run.bob, command);
  line(`Bob deposits 10.00: revision ${first.streamRevision}, position ${first.position}; then the answer is lost (a timeout, say)`);

  const before = (await run.store.streamInfo(run.bob)).revision + 1;
  const again = await execute(run, run.bob, command);
  const after = (await run.store.streamInfo(run.bob)).revision + 1;
  if (!isDeepStrictEqual(again, first) || after !== before) throw new Error('The retried command was written twice.');
  line(`the client sends the same command (same commandId) again: revision ${again.streamRevision}, position ${again.position}, the same result`);
  line(`events in ${run.bob}: ${before} before the retry, ${after} after; causationId is the command id: ${again.events[0]!.metadata.causationId === command.commandId ? 'yes' : 'NO'}`);
}

async function schemas(run: Run): Promise<void> {
  heading(5, "Event schemas: bad data is refused, old events are read in today's shape");
  const refusal = await execute(run, run.bob, { type: 'Deposit', amount: 12.5 }).then(
    () => new Error('The domain accepted a deposit of 12.5 cents.'),
    (error: unknown) => error,
  );
  if (!(refusal instanceof InvalidAmount)) throw refusal;
  line(`Bob deposits 12.5 cents: refused by the domain (${refusal.message})`);
  try {
    await run.store.append(run.bob, [{ type: 'MoneyDeposited', data: { amount: 12.5 } }]);
    throw new Error('The store accepted an amount its schema refuses.');
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    line(`the same event appended past the domain: ${error.code} at ${error.field} (${error.reason}); nothing written`);
  }
  // The first version of the application had no currencies, and no schemas: an account it opened.
  const firstVersion = await openStore(STORE_URL);
  await firstVersion.append(run.carol, [{ type: 'AccountOpened', data: { owner: 'Carol' } }]);
  await firstVersion.close();
  const carol = await loadState(run.store, account, run.carol);
  line(`${run.carol} was opened by version 1 without a currency; read through the upcaster: currency ${carol.state.currency}`);
}

async function rebuildFromLog(run: Run): Promise<void> {
  heading(6, 'State rebuilt from the log equals the live state');
  const rebuilt = new Map<string, Account>();
  let read = 0;
  for await (const recorded of run.store.readAll({ category: ACCOUNT_CATEGORY })) {
    if (!run.live.has(recorded.stream)) continue; // accounts of earlier runs
    const state = rebuilt.get(recorded.stream) ?? account.initialState();
    rebuilt.set(recorded.stream, account.evolve(state, toDecidedEvent<AccountEvent>(recorded)));
    read++;
  }
  const equal = isDeepStrictEqual(rebuilt, run.live);
  const balances = [...rebuilt].map(([, state]) => `${state.owner} ${formatMoney(state.balance)}`).join(', ');
  line(`readAll({ category: '${ACCOUNT_CATEGORY}' }): ${read} events of this run folded from scratch: ${balances}`);
  line(`equal to the live state: ${equal ? 'yes' : 'NO'}`);
  if (!equal) throw new Error(`The rebuilt state differs from the live state: ${JSON.stringify([...rebuilt])}`);
}

async function readModels(run: Run): Promise<void> {
  heading(7, 'Read models: kept up to date from the log, queried, repaired and rebuilt');
  const accounts = run.projections.readModels.collection<Account>(balances, 'accounts');
  const read = await Promise.all([run.alice, run.bob].map(async (stream) => (await accounts.get(stream))!));
  const same = read.every((state, i) => isDeepStrictEqual(state, run.live.get([run.alice, run.bob][i]!)));
  line(`balances (inline, applied by each append): Alice ${formatMoney(read[0]!.balance)}, Bob ${formatMoney(read[1]!.balance)}, read without waiting; equal to the live state: ${same ? 'yes' : 'NO'}`);
  if (!same) throw new Error('The inline read model differs from the live state.');

  // The statements' first release cannot print more than 1,000.00: Dave's deposit parks.
  const buggy = monthlyStatements(100_000);
  let statements = await runProjections(run.store, [buggy], { maxAttempts: 2 });
  const { dave } = run;
  await execute(run, dave, { type: 'OpenAccount', owner: 'Dave' });
  await execute(run, dave, { type: 'Deposit', amount: 200_000 });
  await execute(run, dave, { type: 'Withdraw', amount: 500 });
  const bobs = await execute(run, run.bob, { type: 'Deposit', amount: 100 });
  const mine = await handleQuery(run.projections.readModels, accountsOf, { owner: 'Bob' }, { minPosition: bobs.position });
  const bobNow = mine.find((found) => found.stream === run.bob);
  line(`Bob deposits 1.00; query accounts-of Bob waiting for position ${bobs.position} (read-your-writes): ${run.bob} ${formatMoney(bobNow?.balance ?? 0)}`);
  await statements.readModels.waitFor(buggy, { minPosition: bobs.position, timeoutMs: 10_000 });
  const parked = (await listDeadLetters(run.store.readModelStore(), buggy, { limit: 10_000 })).filter((letter) => letter.stream === dave);
  line(`monthly-statements parked Dave's ${parked.length} movements after "${parked[0]?.error.replace(/^Error: /, '') ?? '?'}"; Bob's deposit went through`);

  // The fix is deployed: the runner stops, the parked events are retried with the fixed code.
  await statements.stop();
  const fixed = fixedStatements;
  const retried = await retryDeadLetters(run.store, fixed, { streams: [dave] });
  statements = await runProjections(run.store, [fixed]);
  const lines = await handleQuery(statements.readModels, statementOf(fixed), { account: dave }, { minPosition: bobs.position });
  const total = lines.reduce((sum, month) => ({ credits: sum.credits + month.credits, debits: sum.debits + month.debits }), { credits: 0, debits: 0 });
  line(`after the fix, dlq retry applied ${retried.applied} events in order: Dave's statement in ${formatMoney(total.credits)}, out ${formatMoney(total.debits)}`);
  await statements.stop();

  // Rebuilt beside the live read model, which serves queries until the switch.
  let reports = 0;
  const rebuilt = await rebuildProjection(run.store, balances, { dropPrevious: true, onProgress: () => reports++ });
  const head = await run.store.headPosition();
  const after = await Promise.all([...run.live.keys()].map(async (stream) => [stream, await accounts.get(stream, { minPosition: head })] as const));
  const equal = after.every(([stream, state]) => isDeepStrictEqual(state, run.live.get(stream)));
  line(`balances rebuilt from the log beside the live one: generation ${rebuilt.previous} -> ${rebuilt.generation} in ${Math.round(rebuilt.seconds * 1000)} ms (${reports} progress reports), then one switch; equal to the live state: ${equal ? 'yes' : 'NO'}`);
  if (!equal) throw new Error('The rebuilt read model differs from the live state.');
}

function nextSteps(run: Run): void {
  heading(8, 'The log is yours to read');
  line(`store: ${resolve('annals.db')} (${STORE_URL})`);
  // `npx annals` finds this package's own command only in the package's root directory.
  const cli = insidePackageRoot() ? 'npx annals' : `node ${fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))}`;
  line(`next: ${cli} read-all`);
  line(`      ${cli} read ${run.alice}`);
  line(`      ${cli} --schemas ${relativeToHere(fileURLToPath(new URL('./events.js', import.meta.url)))} check-events`);
  line(`      ${cli} --projections ${relativeToHere(fileURLToPath(new URL('./projections.js', import.meta.url)))} projections status`);
}

function relativeToHere(path: string): string {
  const cwd = process.cwd() + sep;
  return path.startsWith(cwd) ? `./${path.slice(cwd.length)}` : path;
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
  const store = await openStore(STORE_URL, { schemas: bankEvents });
  const projections = await runProjections(store, { inline: [balances], async: [accountsByOwner] });
  const run: Run = {
    store,
    accounts: new CommandHandler(store, account),
    alice: accountStream(`alice-${suffix}`),
    bob: accountStream(`bob-${suffix}`),
    carol: accountStream(`carol-${suffix}`),
    dave: accountStream(`dave-${suffix}`),
    live: new Map(),
    projections,
  };
  console.log(`Annals bank example: run ${suffix} on ${STORE_URL}`);
  try {
    await openDepositWithdraw(run);
    await transferStep(run);
    await concurrentTellers(run);
    await idempotentRetry(run);
    await schemas(run);
    await rebuildFromLog(run);
    await readModels(run);
    nextSteps(run);
  } finally {
    await projections.stop();
    await store.close();
  }
}

main().catch((error: unknown) => {
  printFailure(error);
  process.exitCode = 1;
});
