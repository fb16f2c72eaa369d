import { openStore } from '../../src/index.js';
import { makeEvents } from '../lib/workload.js';

export interface ReadFixture {
  readonly path: string;
  /** The stream that readStream reads. */
  readonly stream: string;
  readonly streamEvents: number;
  readonly events: number;
}

export const FIXTURE_STREAM = 'ledger-main';

/**
 * A log of `events` events written through Annals in appends of `batchSize`: one stream of
 * `streamEvents` events whose batches are spread through the log (every n-th append), the
 * rest round-robin over 100 other streams, as a busy application would leave it.
 */
export async function buildReadFixture(
  path: string,
  sizes: { events: number; streamEvents: number; batchSize: number },
  onProgress: (fraction: number, status: string) => void,
): Promise<ReadFixture> {
  const { events, streamEvents, batchSize } = sizes;
  const store = await openStore(`sqlite:${path}`, { synchronous: 'normal' });
  try {
    const every = Math.max(1, Math.floor(events / streamEvents));
    let written = 0;
    let inStream = 0;
    for (let batch = 0; written < events; batch++) {
      const toStream = inStream < streamEvents && (batch % every === 0 || events - written <= streamEvents - inStream);
      const size = Math.min(batchSize, events - written, toStream ? streamEvents - inStream : Infinity);
      await store.append(toStream ? FIXTURE_STREAM : `account-${batch % 100}`, makeEvents(size, batch));
      written += size;
      if (toStream) inStream += size;
      if (batch % 50 === 0) onProgress(written / events, `${written} events`);
    }
    return { path, stream: FIXTURE_STREAM, streamEvents: inStream, events: written };
  } finally {
    await store.close();
  }
}
