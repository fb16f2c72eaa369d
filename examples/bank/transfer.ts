// A transfer between two accounts: both halves decided by the account decider, written to both
// streams in one atomic appendMany, each with the revision it was decided on. On a conflict in
// either account, both are reloaded and decided again (the same loop as handleCommand, over two streams).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  backoffDelay,
  commandEventId,
  DEFAULT_BACKOFF,
  loadState,
  WrongExpectedRevisionError,
  type EventStore,
  type ExpectedRevision,
} from '../../src/index.js';
import { account, InvalidAmount, type AccountEvent } from './account.js';

export interface Transfer {
  /** Chosen by the client: the events' ids derive from it, so sending the transfer again is safe. */
  readonly transferId: string;
  /** Account streams. */
  readonly from: string;
  readonly to: string;
  readonly amount: number;
}

export interface TransferResult {
  /** The revisions the two accounts were decided on (what appendMany expected). */
  readonly expected: { readonly from: ExpectedRevision; readonly to: ExpectedRevision };
  /** Each account's revision after the transfer. */
  readonly revisions: { readonly from: number; readonly to: number };
  readonly positions: { readonly from: number; readonly to: number };
}

const MAX_RETRIES = 5;

export async function transfer(store: EventStore, command: Transfer): Promise<TransferResult> {
  const { transferId, from, to, amount } = command;
  if (from === to) throw new InvalidAmount(amount, 'a transfer needs two different accounts');
  for (let attempt = 1; ; attempt++) {
    const done = await findTransfer(store, command);
    if (done) return done;
    const [sender, receiver] = await Promise.all([loadState(store, account, from), loadState(store, account, to)]);
    const sent = account.decide({ type: 'SendTransfer', transferId, to, amount }, sender.state);
    const received = account.decide({ type: 'ReceiveTransfer', transferId, from, amount }, receiver.state);
    try {
      const [fromResult, toResult] = await store.appendMany([
        { stream: from, events: withIds(from, transferId, sent), expectedRevision: sender.expectedRevision },
        { stream: to, events: withIds(to, transferId, received), expectedRevision: receiver.expectedRevision },
      ]);
      return {
        expected: { from: sender.expectedRevision, to: receiver.expectedRevision },
        revisions: { from: fromResult!.streamRevision, to: toResult!.streamRevision },
        positions: { from: fromResult!.position, to: toResult!.position },
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt > MAX_RETRIES) throw error;
      await sleep(backoffDelay(attempt, DEFAULT_BACKOFF));
    }
  }
}

/** A transfer sent again after it was written (a client retry): the original result, from the log. */
async function findTransfer(store: EventStore, { transferId, from, to }: Transfer): Promise<TransferResult | undefined> {
  const [sent, received] = await Promise.all([store.getEvent(commandEventId(from, transferId, 0)), store.getEvent(commandEventId(to, transferId, 0))]);
  if (!sent || !received) return undefined;
  return {
    expected: { from: sent.revision === 0 ? 'no_stream' : sent.revision - 1, to: received.revision === 0 ? 'no_stream' : received.revision - 1 },
    revisions: { from: sent.revision, to: received.revision },
    positions: { from: sent.position, to: received.position },
  };
}

/** The transfer id is the command id of both halves: causation, correlation, and derived event ids. */
function withIds(stream: string, transferId: string, events: readonly AccountEvent[]) {
  return events.map((event, index) => ({
    ...event,
    id: commandEventId(stream, transferId, index),
    metadata: { correlationId: transferId, causationId: transferId },
  }));
}
