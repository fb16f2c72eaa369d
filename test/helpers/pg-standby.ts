import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, appendFileSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeUnavailable } from './services.js';

const run = promisify(execFile);

/** Where the PostgreSQL 15 server programs are (Debian's layout); ANNALS_TEST_PG_BIN overrides it. */
export const PG_BIN = process.env.ANNALS_TEST_PG_BIN || '/usr/lib/postgresql/15/bin';
const PROGRAMS = ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres'];
const SERVICE = 'PostgreSQL server programs';

/**
 * A primary and a streaming standby of their own, in a temporary directory, on free loopback
 * ports: never the machine's own server. The servers run as the `postgres` OS user when the
 * test runs as root (initdb refuses root), else as the test's user.
 */
export interface StandbyCluster {
  /** The primary's `postgres` database, as a store URL. */
  readonly primaryUrl: string;
  /** The standby's `postgres` database, as a store URL. */
  readonly standbyUrl: string;
  /** Resolves once the standby has replayed everything the primary had written when it was called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Stops both servers at once (`-m immediate`) and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/** Why the cluster cannot be started here (a missing program, no `postgres` user as root), or undefined. */
export function standbyUnavailable(): string | undefined {
  const missing = PROGRAMS.filter((name) => !existsSync(join(PG_BIN, name)));
  if (missing.length > 0) return `${missing.join(', ')} not found in ${PG_BIN} (set ANNALS_TEST_PG_BIN to the directory that has them)`;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root, and there is no "postgres" OS user to run the servers as';
    }
  }
  return undefined;
}

/**
 * A describe block for tests that need a standby cluster: skipped with a loud warning when the
 * programs are missing, or failing on CI (CI=true), as describeWithService does for services.
 */
export function describeWithStandby(name: string, body: () => void): void {
  const reason = standbyUnavailable();
  if (reason === undefined) {
    describe(name, body);
    return;
  }
  describeUnavailable(name, `cannot start a PostgreSQL primary and standby: ${reason}.`, SERVICE, body);
}

/**
 * Starts a cluster for the current describe block (in beforeAll) and stops it after its tests
 * (in afterAll, whether they passed or not, and at process exit if the run is cut short).
 * Read the returned getter inside tests and hooks.
 */
export function useStandbyCluster(): () => StandbyCluster {
  let cluster: StandbyCluster | undefined;
  beforeAll(async () => {
    cluster = await startStandbyCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);
  return () => {
    if (cluster === undefined) throw new Error('the standby cluster did not start (see beforeAll)');
    return cluster;
  };
}

/** Starts a primary (wal_level=replica) and a standby made from it with `pg_basebackup -R`. */
export async function startStandbyCluster(): Promise<StandbyCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'annals-standby-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const primary = join(dir, 'primary');
  const standby = join(dir, 'standby');
  const started: string[] = [];
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    for (const data of started) {
      try {
        execFileSync(...command(asRoot, 'pg_ctl', ['-D', data, 'stop', '-m', 'immediate', '-w']), { stdio: 'ignore' });
      } catch {
        // already stopped
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopSync);
  const pgRun = async (program: string, args: string[]) => {
    const [file, argv] = command(asRoot, program, args);
    try {
      await run(file, argv, { timeout: 30_000 });
    } catch (error) {
      throw new Error(`${program} ${args.join(' ')} failed: ${(error as Error).message}\n${logs(dir, started)}`);
    }
  };
  try {
    const [primaryPort, standbyPort] = await freePorts(2);
    await pgRun('initdb', ['-D', primary, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions', '-E', 'UTF8']);
    appendFileSync(
      join(primary, 'postgresql.conf'),
      [
        `port = ${primaryPort}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${dir}'`,
        'wal_level = replica',
        'max_wal_senders = 4',
        'fsync = off',
        'shared_buffers = 16MB',
        '',
      ].join('\n'),
    );
    appendFileSync(join(primary, 'pg_hba.conf'), 'host replication all 127.0.0.1/32 trust\n');
    await pgRun('pg_ctl', ['-D', primary, '-l', join(dir, 'primary.log'), '-w', '-t', '30', 'start']);
    started.push(primary);
    await pgRun('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standby, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
    // The copy has the primary's settings: a later line wins.
    appendFileSync(join(standby, 'postgresql.conf'), `port = ${standbyPort}\nhot_standby = on\n`);
    await pgRun('pg_ctl', ['-D', standby, '-l', join(dir, 'standby.log'), '-w', '-t', '30', 'start']);
    started.push(standby);
  } catch (error) {
    stopSync();
    process.off('exit', stopSync);
    throw error;
  }
  const primaryUrl = `postgres://postgres@127.0.0.1:${portOf(primary)}/postgres`;
  const standbyUrl = `postgres://postgres@127.0.0.1:${portOf(standby)}/postgres`;
  return {
    primaryUrl,
    standbyUrl,
    async caughtUp(timeoutMs = 10_000) {
      const written = await query<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [row] = await query<{ behind: boolean }>(standbyUrl, 'SELECT pg_last_wal_replay_lsn() < $1::pg_lsn AS behind', [written[0]!.lsn]);
        if (!row!.behind) return;
        if (Date.now() > deadline) throw new Error(`the standby did not replay up to ${written[0]!.lsn} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      stopSync();
      process.off('exit', stopSync);
    },
  };
}

/** The command line that runs a server program, as `postgres` when this process is root. */
function command(asRoot: boolean, program: string, args: string[]): [string, string[]] {
  const file = join(PG_BIN, program);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

/** The port a data directory's server was given (the last `port =` line of its settings). */
function portOf(data: string): number {
  const lines = readFileSync(join(data, 'postgresql.conf'), 'utf8').split('\n').filter((line) => line.startsWith('port = '));
  return Number(lines[lines.length - 1]!.slice('port = '.length));
}

/** Ports free on 127.0.0.1 now (each found by binding port 0, all held until every one is known). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function query<R extends object>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'annals-test-admin' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The servers' logs, for a failure's message. */
function logs(dir: string, started: readonly string[]): string {
  return ['primary.log', 'standby.log']
    .filter((name) => started.length > 0 && existsSync(join(dir, name)))
    .map((name) => `--- ${name}\n${readFileSync(join(dir, name), 'utf8').split('\n').slice(-20).join('\n')}`)
    .join('\n');
}
