import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../e2e/cli-harness.js';
import { postgresService } from '../helpers/postgres.js';
import { redisService } from '../helpers/redis.js';
import { checkService, requireServices } from '../helpers/services.js';
import { documentationPages, matchesWithEllipsis, ROOT } from './markdown.js';
import { normalize, shellCommands, type ShellCommand } from './shell-examples.js';

// Every command-line example of README.md and docs/, run in the order the page shows it, in a
// directory of the page's own (with `dist` linked in, so that `./dist/examples/bank/events.js`
// is there as in this repository), its stated output checked (see shell-examples.ts).

const run = `annals_docs_sh_${process.pid}_${randomBytes(3).toString('hex')}`;
const postgres = await checkService(postgresService);
const redis = await checkService(redisService);
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A command's `postgres://` and `redis://` URLs, pointed at a database or key prefix of the test's own. */
let postgresDatabase: Promise<unknown> | undefined;
async function rewriteUrls(text: string): Promise<string | undefined> {
  if (text.includes('postgres://')) {
    if (postgres.unreachable !== undefined) return undefined;
    postgresDatabase ??= withPostgres((client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(run)}`)).then(() =>
      cleanups.push(() => withPostgres((client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(run)} WITH (FORCE)`))),
    );
    await postgresDatabase;
    return text.replace(/postgres:\/\/[^'"\s?]+/g, () => {
      const url = new URL(postgres.url);
      url.pathname = `/${run}`;
      return url.toString();
    });
  }
  if (text.includes('redis://')) {
    if (redis.unreachable !== undefined) return undefined;
    if (!cleanups.some((c) => c.name === 'dropKeys')) {
      cleanups.push(async function dropKeys() {
        const client = new Redis(redis.url);
        const keys = await client.keys(`${run}:*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      });
    }
    return text
      .replace(/redis:\/\/[^'"\s?]+/g, () => new URL(redis.url).toString().replace(/\?.*$/, ''))
      .replace(/keyPrefix=([^'"\s&]*)/g, (_all, prefix: string) => `keyPrefix=${run}:${prefix}`);
  }
  return text;
}

async function withPostgres<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

interface Started {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

function start(text: string, cwd: string, env: Record<string, string>): Started {
  const prelude = `set -o pipefail; annals() { "${process.execPath}" "${CLI}" "$@"; }; npx() { if [ "$1" = annals ]; then shift; annals "$@"; else command npx "$@"; fi; };`;
  const child = spawn('bash', ['-c', `${prelude} ${text}`], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // a process group of its own, which Ctrl-C stops as a whole
  });
  const started: Started = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : null)))),
  };
  child.stdout!.on('data', (chunk: Buffer) => (started.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (started.stderr += chunk.toString()));
  return started;
}

function lines(text: string): string[] {
  const all = text.split('\n').map(normalize);
  while (all.length > 0 && all.at(-1) === '') all.pop();
  return all;
}

/** Checks what a command printed against what its page says it prints. */
function checkOutput(command: ShellCommand, started: Started, code: number | null): void {
  const where = `${command.page}:${command.line}: ${command.text}`;
  const said = `${where}\nexit code ${code}\nstdout:\n${started.stdout}\nstderr:\n${started.stderr}`;
  expect(code, said).toBe(command.exitCode ?? (command.background ? 130 : 0));
  if (command.stdout.length > 0) {
    const printed = lines(started.stdout);
    expect(printed.length, `${said}\nstates ${command.stdout.length} lines of stdout`).toBe(command.stdout.length);
    command.stdout.forEach((expected, i) => {
      expect(matchesWithEllipsis(normalize(expected), printed[i]!), `${said}\nline ${i + 1} of stdout states: ${expected}`).toBe(true);
    });
  }
  let from = 0;
  const printed = lines(started.stderr);
  for (const expected of command.stderr) {
    const at = printed.findIndex((line, i) => i >= from && matchesWithEllipsis(normalize(expected), line));
    expect(at, `${said}\nstderr states: ${expected}`).toBeGreaterThanOrEqual(0);
    from = at + 1;
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const pages = documentationPages()
  .map((path) => shellCommands(path))
  .filter((commands) => commands.length > 0);

for (const commands of pages) {
  const page = commands[0]!.page;
  it(`${page}: ${commands.length} commands, in order`, async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'annals-doc-sh-'));
    cleanups.push(() => rm(cwd, { recursive: true, force: true }));
    await symlink(join(ROOT, 'dist'), join(cwd, 'dist'));
    const env: Record<string, string> = { ANNALS_STORE: '', ANNALS_SCHEMAS: '', NO_COLOR: '1' };
    let background: { command: ShellCommand; started: Started }[] = [];
    // A failing check must not leave a `tail` running: its group is killed at the end.
    cleanups.push(async () => {
      for (const { started } of background) {
        try {
          process.kill(-started.child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    const stopBackground = async () => {
      for (const { command, started } of background) {
        // Its stated output first: what it prints for the block's other commands.
        await until(() => lines(started.stdout).length >= command.stdout.length, `${command.page}:${command.line} to print ${command.stdout.length} lines`).catch(() => undefined);
        process.kill(-started.child.pid!, 'SIGINT'); // as Ctrl-C does: the whole group
        checkOutput(command, started, await started.exited);
      }
      background = [];
    };
    for (const [i, command] of commands.entries()) {
      const exported = /^export (\w+)=(.*)$/.exec(command.text);
      if (exported) {
        env[exported[1]!] = exported[2]!;
        continue;
      }
      const text = await rewriteUrls(command.text);
      if (text === undefined) {
        const message = `${command.page}:${command.line}: skipped, its service is not reachable: ${command.text}`;
        if (requireServices()) throw new Error(`${message} (CI=true)`);
        console.warn(`\n!!! ${message}\n`);
        continue;
      }
      const started = start(text, cwd, env);
      if (command.background) {
        background.push({ command, started });
        // Ready once it says what it follows (tail prints that on stderr before it waits).
        await until(() => started.stderr.length > 0 || started.stdout.length > 0, 'output', 5_000).catch(() => undefined);
      } else {
        checkOutput(command, started, await started.exited);
      }
      if (commands[i + 1]?.block !== command.block) await stopBackground();
    }
    await stopBackground();
  }, 120_000);
}

describe('the shell examples', () => {
  it('are found, with stated outputs', () => {
    const all = pages.flat();
    expect(all.length).toBeGreaterThan(30);
    expect(all.filter((c) => c.stdout.length > 0).length).toBeGreaterThan(10);
  });
});
