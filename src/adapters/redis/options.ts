/** Options of the Redis backend (no driver import: the core may refer to these types). */
export interface RedisOptions {
  /**
   * Prefix of every key the store writes, so that several stores share one Redis. Default
   * `annals:`. The store's keys also carry a hash tag derived from it (`annals:{annals}:log`),
   * so that they all live in one cluster slot; a prefix that already holds a `{tag}` is used as is.
   */
  readonly keyPrefix?: string;
  /**
   * How long the shared XREAD BLOCK of live subscriptions waits before it is issued again,
   * in milliseconds. Default 1000. Subscribers are woken by new entries, not by this period.
   */
  readonly pollIntervalMs?: number;
  /**
   * Where the store reports what the caller should know (the durability warning, at each open).
   * Default: console.warn, once per process for each server.
   */
  readonly logger?: RedisLogger;
  /**
   * Connection options passed through to ioredis (host, port, username, password, db, tls,
   * connectTimeout, commandTimeout, connectionName, retryStrategy, …). Options that decide what
   * happens to a command in flight when the connection drops are Annals' own and may not be set
   * here: see docs/redis.md.
   */
  readonly connection?: RedisConnectionOptions;
}

/** A pino-compatible logger (pino, bunyan-style objects, or anything with `warn(obj, msg)`). */
export interface RedisLogger {
  /** Reports something the caller should know: the facts as an object, and a message. */
  warn(facts: object, message: string): void;
}

/** ioredis connection options, kept structural so that the core need not import the driver. */
export interface RedisConnectionOptions {
  /** The server's host name or address. */
  readonly host?: string;
  /** The server's port. */
  readonly port?: number;
  /** The ACL user. */
  readonly username?: string;
  /** The password (of the ACL user, or of `requirepass`). */
  readonly password?: string;
  /** The logical database number. */
  readonly db?: number;
  /** The name the connection gives itself (CLIENT SETNAME). */
  readonly connectionName?: string;
  /** How long to wait for the connection, in milliseconds. */
  readonly connectTimeout?: number;
  /** How long to wait for each command's answer, in milliseconds. */
  readonly commandTimeout?: number;
  readonly [option: string]: unknown;
}
