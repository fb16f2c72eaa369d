import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { InvalidArgumentError } from '../../core/errors.js';
import type { RedisConnectionOptions } from './options.js';

/**
 * Settings Annals owns, because the contract depends on them:
 * - a command in flight when the connection drops fails (maxRetriesPerRequest 0) and is never
 *   sent again on the new connection (autoResendUnfulfilledCommands false): the caller gets
 *   ANNALS_STORE_UNAVAILABLE and decides to retry, with the same ids, instead of a silent resend;
 * - commands issued while reconnecting wait in the offline queue: they were never sent, so
 *   sending them once the connection is back cannot run them twice; when the attempt to
 *   reconnect fails, they fail too (maxRetriesPerRequest 0 flushes the queue);
 * - key names are the store's own: an ioredis keyPrefix would rename the scripts' keys.
 */
const OWNED = {
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  enableOfflineQueue: true,
  lazyConnect: true,
} as const;
const RESERVED = [...Object.keys(OWNED), 'keyPrefix'];

export const DEFAULT_CONNECTION_NAME = 'annals';

/** Refuses connection options that would change what a lost connection does to a call. */
export function checkConnectionOptions(connection: RedisConnectionOptions | undefined): void {
  if (connection === undefined) return;
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
    throw new InvalidArgumentError('connection', connection, 'an object of ioredis connection options');
  }
  for (const name of RESERVED) {
    if (name in connection) {
      throw new InvalidArgumentError(
        `connection.${name}`,
        connection[name],
        name === 'keyPrefix'
          ? `no ioredis keyPrefix: give Annals' own keyPrefix option instead`
          : `no ${name}: Annals sets it so that a command in flight when the connection drops fails instead of running twice (see docs/redis.md)`,
      );
    }
  }
}

/** A client for `url` (redis:// or rediss://) with the user's options and Annals' own. */
export function createClient(url: string, connection: RedisConnectionOptions | undefined, connectionName?: string): Redis {
  const options: IORedisOptions = {
    connectionName: DEFAULT_CONNECTION_NAME,
    ...(connection as IORedisOptions | undefined),
    ...(connectionName ? { connectionName } : {}),
    ...OWNED,
  };
  const client = new Redis(url, options);
  // Errors also reach the calls that meet them; without a listener ioredis would print each one.
  client.on('error', () => undefined);
  return client;
}

/** Connects, with the socket-level reason when it fails (ioredis' own rejection only says "closed"). */
export async function connect(client: Redis): Promise<void> {
  let last: unknown;
  const remember = (error: unknown) => (last = error);
  client.on('error', remember);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw last ?? error;
  } finally {
    client.off('error', remember);
  }
}

/** host:port (or the socket path) of a client, for messages. */
export function serverOf(client: Redis): string {
  const { host, port, path } = client.options;
  return path ? String(path) : `${host ?? '127.0.0.1'}:${port ?? 6379}`;
}
