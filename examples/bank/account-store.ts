// The glue between the bank's domain and the event store: one stream per account,
// state loaded by folding the stream, the revision kept for the next append's check.
import type { EventStore, ExpectedRevision, RecordedEvent } from '../../src/index.js';
import { ACCOUNT_EVENT_TYPES, evolve, initialState, type Account, type AccountEvent } from './account.js';

/** Streams are named `account-<id>`, so every account is in the category `account`. */
export const ACCOUNT_CATEGORY = 'account';

export function accountStream(accountId: string): string {
  return `${ACCOUNT_CATEGORY}-${accountId}`;
}

export interface LoadedAccount {
  readonly state: Account;
  /** What the stream must still look like when the decision is appended. */
  readonly expectedRevision: ExpectedRevision;
  readonly events: number;
}

/** Reads the account's stream from the start and folds it. */
export async function loadAccount(store: EventStore, stream: string): Promise<LoadedAccount> {
  let state = initialState;
  let revision = -1;
  let events = 0;
  for await (const recorded of store.readStream(stream)) {
    state = evolve(state, toAccountEvent(recorded));
    revision = recorded.revision;
    events++;
  }
  return { state, expectedRevision: revision < 0 ? 'no_stream' : revision, events };
}

/** The domain event inside a recorded event; anything the bank does not know is a bug here. */
export function toAccountEvent(recorded: RecordedEvent): AccountEvent {
  if (!(ACCOUNT_EVENT_TYPES as readonly string[]).includes(recorded.type)) {
    throw new Error(`Unknown event type ${recorded.type} in ${recorded.stream} at revision ${recorded.revision}.`);
  }
  return { type: recorded.type, data: recorded.data } as AccountEvent;
}
