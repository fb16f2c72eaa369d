// What docs/adapters.md's examples take as given: the driver of "acme", a database of the
// guide's own, and the parts of its backend that other examples of the guide write. Global
// declarations, so an example that defines one of these names shadows it.

type AcmeAdapter = typeof import('annals/adapter');

/** A transaction of the acme driver. */
interface AcmeTransaction {
  streamState(stream: string): Promise<import('annals/adapter').StreamState>;
  recordedIds(ids: readonly string[]): Promise<import('annals/adapter').RecordedId[]>;
  insert(append: import('annals/adapter').PreparedAppend, firstRevision: number): Promise<import('annals/adapter').AppendResult>;
  lastPosition(): Promise<number>;
  eventsAfter(after: number, filter: { category?: string | undefined; types?: readonly string[] | undefined; limit: number }): Promise<import('annals/adapter').StoredEvent[]>;
  schemaVersion(): Promise<number>;
  execute(sql: string): Promise<void>;
  recordSchemaVersion(version: number): Promise<void>;
}

/** A connection (pool) of the acme driver. */
interface AcmeClient {
  transaction<T>(options: { lock: 'write' | 'migrations' }, work: (tx: AcmeTransaction) => Promise<T>): Promise<T>;
  readSnapshot<T>(work: (tx: AcmeTransaction) => Promise<T>): Promise<T>;
  lastPosition(): Promise<number>;
  schemaVersion(): Promise<number>;
  end(): Promise<void>;
}

interface AcmeOptions {
  poolSize?: number;
  pollIntervalMs?: number;
  migrate?: boolean;
}

declare const client: AcmeClient;
declare const url: string;
declare function connect(connectionString: string, options: Required<AcmeOptions>): Promise<AcmeClient>;
declare function parseUrl(url: string): { connectionString: string; fromUrl: Record<string, unknown> };
declare function checkAcmeOptions(options: AcmeOptions): Required<AcmeOptions>;
declare function migrate(client: AcmeClient, location: string, allowed: boolean): Promise<import('annals/adapter').SchemaState>;
declare function readDurability(client: AcmeClient): Promise<import('annals').Durability>;
declare function toAnnalsError(error: unknown): unknown;
declare function openAcme(url: string, options?: AcmeOptions & import('annals/adapter').EventStoreOptions): Promise<import('annals/adapter').Backend>;
declare const AcmeLog: new (client: AcmeClient) => import('annals/adapter').EventLog;
declare const AcmeSnapshots: new (client: AcmeClient) => import('annals/adapter').SnapshotStore;
declare const AcmeCommitSignal: new (client: AcmeClient, pollIntervalMs: number) => import('annals/adapter').CommitSignal & { close(): void };

/** The acme adapter as a package of its own, and its test helpers. */
declare module 'annals-acme' {
  export function openAcme(url: string, options?: AcmeOptions): Promise<import('annals/adapter').Backend>;
}
declare module 'annals-acme/testing' {
  /** The URL of a new, empty database. */
  export function freshDatabase(): Promise<string>;
}
