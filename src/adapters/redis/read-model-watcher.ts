import type { Redis } from 'ioredis';
import { Watchers } from '../../backend/watchers.js';

const RECONNECT_PAUSE_MS = 500;

/** A connection of its own for SUBSCRIBE, like `client` (ioredis' resubscribing off: the watcher does it). */
export function subscriberOf(client: Redis, connectionName: string): Redis {
  const subscriber = client.duplicate({ connectionName, autoResubscribe: false });
  subscriber.on('error', () => undefined);
  return subscriber;
}

/**
 * "A checkpoint may have moved": every commit script PUBLISHes its new checkpoint on the
 * store's channel (`<base>rm:commits`), and one connection per read-model store, opened while
 * anyone watches and shared by all watchers, SUBSCRIBEs to it.
 *
 * A wake-up is a hint, and Pub/Sub drops what is published while a subscriber is away, so the
 * watcher subscribes itself after each (re)connection (ioredis' own resubscribing is turned off:
 * it gives no signal when it is done) and wakes everyone once the subscription is confirmed: a
 * commit made while the connection was down is then seen by re-reading, never missed.
 */
export class ReadModelWatcher {
  private readonly watchers = new Watchers({ start: () => this.start(), stop: () => this.stop() });
  private client: Redis | undefined;

  constructor(
    private readonly connect: () => Redis,
    private readonly channel: string,
  ) {}

  /** Calls `listener` after each commit anyone makes, and after each (re)subscription; returns the function that stops it. */
  watch(listener: () => void): () => void {
    return this.watchers.add(listener);
  }

  /** Stops watching for good. */
  close(): void {
    this.watchers.close();
    this.stop();
  }

  private start(): void {
    const client = this.connect();
    this.client = client;
    client.on('message', (channel: string) => {
      if (channel === this.channel && this.client === client) this.watchers.wake();
    });
    client.on('ready', () => {
      client.subscribe(this.channel).then(
        () => {
          if (this.client === client) this.watchers.wake();
        },
        () => undefined, // the connection dropped again: the next 'ready' subscribes anew
      );
    });
    // ioredis reconnects on its own; when it gives up ('end'), try again after a pause.
    const reconnect = () => {
      if (this.client === client) client.connect().catch(() => undefined);
    };
    client.on('end', () => setTimeout(reconnect, RECONNECT_PAUSE_MS).unref());
    reconnect();
  }

  private stop(): void {
    const client = this.client;
    this.client = undefined;
    client?.disconnect();
  }
}
