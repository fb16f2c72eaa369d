import pg from 'pg';
import type { PostgresPool } from './connection.js';
import type { Notifier } from './commit-signal.js';

/** How long an answer to "does anyone else listen?" is trusted before it is asked again. */
const LISTENERS_RECHECK_MS = 1000;

/**
 * The sending side of the commit signal. Other processes learn of commits by NOTIFY, sent
 * after the append's commit from a tiny transaction of its own (a NOTIFY inside the append
 * would serialise every appender's commit on the notification queue's lock). At most one is in
 * flight; appends meanwhile coalesce into one more. None is sent while no other store listens
 * on this schema's channel (this store's own subscribers are woken directly): see
 * anyoneElseListening.
 */
export class Announcer {
  private sending: Promise<void> | undefined;
  private sendAgain = false;
  private listeners = { present: true, checkedAt: -Infinity };
  private readonly statement: string;

  constructor(
    private readonly pool: PostgresPool,
    private readonly channel: string,
    /** This store's own LISTEN connection, which does not count as another listener. */
    private readonly notifier: Notifier,
  ) {
    this.statement = `BEGIN; SET LOCAL synchronous_commit TO off; NOTIFY ${pg.escapeIdentifier(channel)}; COMMIT`;
  }

  /** Called after every append's commit. */
  committed(): void {
    // The common case with no other store listening: nothing to do, not even a promise.
    if (!this.sending && !this.listeners.present && Date.now() - this.listeners.checkedAt < LISTENERS_RECHECK_MS) return;
    if (this.sending) {
      this.sendAgain = true;
      return;
    }
    this.sending = (async () => {
      do {
        this.sendAgain = false;
        // Subscribers elsewhere fall back to their poll if this fails.
        if (await this.anyoneElseListening().catch(() => true)) await this.pool.run(this.statement).catch(() => undefined);
      } while (this.sendAgain && !this.pool.ended);
    })().finally(() => {
      this.sending = undefined;
    });
  }

  /** Resolves once no NOTIFY is in flight. */
  async settle(): Promise<void> {
    await this.sending?.catch(() => undefined);
  }

  /**
   * Whether another store's LISTEN connection on this channel exists, asked at most once a second.
   * A listener is a store connection whose last statement was the LISTEN (the only one it runs);
   * one whose statement text this role may not see (or the server does not track) counts too. A
   * listener that appears meanwhile has woken its subscribers on connecting, and its poll covers
   * the rest of that second.
   */
  private async anyoneElseListening(): Promise<boolean> {
    const now = Date.now();
    if (now - this.listeners.checkedAt < LISTENERS_RECHECK_MS) return this.listeners.present;
    const { rows } = await this.pool.query<{ present: boolean }>(
      'listeners',
      `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                       WHERE datname = current_database() AND application_name = 'annals' AND pid <> $2
                         AND query IN ($1, '<insufficient privilege>', '')) AS present`,
      [`LISTEN ${pg.escapeIdentifier(this.channel)}`, this.notifier.listenerPid ?? 0],
    );
    this.listeners = { present: rows[0]!.present, checkedAt: now };
    return this.listeners.present;
  }
}
