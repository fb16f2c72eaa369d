import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresService } from '../helpers/postgres.js';
import { redisService } from '../helpers/redis.js';
import { checkService, describeWithService, type ServiceCheck } from '../helpers/services.js';
import { documentationPages, ROOT } from './markdown.js';
import { compile, EXPECT_MARK, examplePrograms, generate, type ExampleProgram, type GeneratedProgram } from './typescript-examples.js';

// Every TypeScript example of README.md and docs/ compiled with the project's settings and run
// (see typescript-examples.ts for the directives a page can give its examples).

const OUT = join(ROOT, 'dist', 'doc-examples');
const programs = examplePrograms(documentationPages());
const run = `annals_docs_${process.pid}_${randomBytes(3).toString('hex')}`;
const checks: Record<'postgres' | 'redis', ServiceCheck> = {
  postgres: await checkService(postgresService),
  redis: await checkService(redisService),
};

/** The URL an example's `postgres://` or `redis://` URL is run against, its query kept. */
function rewriteUrls(program: ExampleProgram, line: string): string {
  if (program.service === 'postgres') {
    return line.replace(/postgres:\/\/[^'"\s?]+(\?[^'"\s]*)?/g, (_all, query: string | undefined) => {
      const url = new URL(checks.postgres.url);
      url.pathname = `/${run}`;
      url.search = query ?? '';
      return url.toString();
    });
  }
  if (program.service === 'redis') {
    return line.replace(/redis:\/\/[^'"\s?]+(\?[^'"\s]*)?/g, (_all, query: string | undefined) => {
      const url = new URL(checks.redis.url);
      url.search = query ?? '';
      url.searchParams.set('keyPrefix', `${run}:${url.searchParams.get('keyPrefix') ?? ''}`);
      return url.toString();
    });
  }
  return line;
}

let generated: GeneratedProgram[] = [];
let errors = new Map<GeneratedProgram, string[]>();
const directories = new Map<string, string>();

beforeAll(async () => {
  generated = generate(programs, OUT, rewriteUrls);
  errors = compile(generated, OUT);
}, 120_000);

afterAll(async () => {
  for (const dir of directories.values()) await rm(dir, { recursive: true, force: true });
  if (programs.some((p) => p.service === 'postgres') && checks.postgres.unreachable === undefined) {
    await withPostgres((client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(run)} WITH (FORCE)`));
  }
  if (programs.some((p) => p.service === 'redis') && checks.redis.unreachable === undefined) {
    const redis = new Redis(checks.redis.url);
    const keys = await redis.keys(`${run}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});

async function withPostgres<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: checks.postgres.url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

let postgresReady: Promise<unknown> | undefined;

/** A page's examples run in order in one directory of their own, as a reader following the page would. */
async function directoryOf(page: string): Promise<string> {
  let dir = directories.get(page);
  if (!dir) {
    dir = await mkdtemp(join(tmpdir(), 'annals-doc-'));
    directories.set(page, dir);
  }
  return dir;
}

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runNode(file: string, cwd: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function check(program: ExampleProgram): Promise<void> {
  const entry = generated.find((g) => g.program === program)!;
  expect(errors.get(entry), 'compile errors').toEqual([]);
  if (program.context !== undefined) return; // compiled only
  if (program.service === 'postgres') {
    postgresReady ??= withPostgres((client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(run)}`));
    await postgresReady;
  }
  const cwd = await directoryOf(program.page);
  for (let time = 1; time <= (program.twice ? 2 : 1); time++) {
    const { code, stdout, stderr } = await runNode(entry.file.replace(/\.ts$/, '.js'), cwd);
    const said = `${program.page}:${program.line}${program.twice ? ` (run ${time} of 2)` : ''} exited ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`;
    expect(code, said).toBe(0);
    const reached = new Map<number, string>();
    for (const match of stderr.matchAll(new RegExp(`^${EXPECT_MARK} (\\d+) (.*)$`, 'gm'))) reached.set(Number(match[1]), match[2]!);
    program.expectations.forEach(({ page, line, expected }, id) => {
      const outcome = reached.get(id);
      expect(outcome, `${page}:${line}: the stated output "${expected}" was never printed\n${said}`).toBeDefined();
      expect(outcome, `${page}:${line}: states "${expected}"`).toBe('ok');
    });
  }
}

const pages = [...new Set(programs.map((p) => p.page))];
for (const page of pages) {
  describe(page, () => {
    for (const program of programs.filter((p) => p.page === page)) {
      const title = `${program.page}:${program.line}${program.context !== undefined ? ' (compiled)' : ''}`;
      if (program.service === undefined) {
        it(title, () => check(program), 60_000);
      } else {
        describeWithService(checks[program.service], `${title} on ${program.service}`, () => {
          it('runs', () => check(program), 60_000);
        });
      }
    }
  });
}

it('finds the examples', () => {
  // A parser that found nothing would pass every page.
  expect(programs.length).toBeGreaterThan(20);
  expect(programs.some((p) => p.twice)).toBe(true);
});
