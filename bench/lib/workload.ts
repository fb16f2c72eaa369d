import type { EventInput } from '../../src/index.js';

const CORRELATION = '6f1c2a3e-8b4d-4c5e-9f60-7a8b9c0d1e2f';

/** The metadata of every benchmark event (~130 bytes of JSON): correlation and causation ids, a user. */
export const BENCH_METADATA = { correlationId: CORRELATION, causationId: CORRELATION, userId: 'user-42' } as const;

/**
 * `count` events as an application would append them: a small domain payload (~100 bytes of
 * JSON) and metadata with correlation and causation ids (~130 bytes). No ids: the store makes them.
 */
export function makeEvents(count: number, seed: number): EventInput[] {
  const events: EventInput[] = [];
  for (let i = 0; i < count; i++) {
    const n = seed * count + i;
    events.push({
      type: 'MoneyDeposited',
      data: { accountId: `account-${seed}`, amount: 100 + (n % 900), currency: 'EUR', reference: `ref-${n}`, channel: 'bench' },
      metadata: { ...BENCH_METADATA },
    });
  }
  return events;
}

/** The name of the n-th new stream of an append case (same names on both sides, on separate files). */
export function newStreamName(n: number): string {
  return `account-${n}`;
}
