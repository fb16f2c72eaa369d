import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, ReadModels } from '../../src/index.js';
import { jsonLines, Running, Workspace } from './cli-harness.js';

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
  await writeFile(join(ws.dir, 'projections.mjs'), PROJECTIONS);
});
afterEach(async () => {
  await ws.cleanup();
});

const annals = pathToFileURL(fileURLToPath(new URL('../../dist/src/index.js', import.meta.url))).href;
const RUNNER = fileURLToPath(new URL('../fixtures/projection-runner.mjs', import.meta.url));

// An application's projections module, as its build would emit it. `tallies` refuses negative
// amounts until the fix is deployed (TALLIES_FIXED=1 stands for the new build).
const PROJECTIONS = `
import { keyedProjection, streamProjection } from '${annals}';
export const tallies = streamProjection({
  name: 'tallies',
  version: 1,
  handles: { category: 'acct' },
  initialState: () => ({ total: 0, applied: [] }),
  evolve: (state, event) => {
    if (event.data.amount < 0 && process.env.TALLIES_FIXED !== '1') throw new Error('refused amount ' + event.data.amount);
    return { total: state.total + event.data.amount, applied: [...state.applied, event.position] };
  },
});
export const byType = keyedProjection({
  name: 'by-type',
  version: 2,
  collection: 'types',
  indexes: { count: 'number' },
  key: (event) => event.type,
  initialState: () => ({ count: 0 }),
  evolve: (state) => ({ count: state.count + 1 }),
});
export const notAProjection = 42;
`;

async function append(stream: string, ...amounts: number[]): Promise<void> {
  const input = amounts.map((amount) => JSON.stringify({ type: 'Added', data: { amount } })).join('\n');
  const result = await ws.run(['append', stream, '--events', '-'], { input });
  expect(result, result.stderr).toMatchObject({ code: 0 });
}

/** Runs the application's projections in a process of their own, until caught up (or, with `stay`, until stopped). */
function runApplication(mode: 'once' | 'stay', fixed = false): Running {
  const child = spawn(process.execPath, [RUNNER, ws.storeUrl, join(ws.dir, 'projections.mjs'), mode], {
    cwd: ws.dir,
    env: { ...process.env, TALLIES_FIXED: fixed ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Running(child);
}

async function runOnce(fixed = false): Promise<void> {
  const result = await runApplication('once', fixed).exited;
  expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'caught-up\n' });
}

const cli = (args: readonly string[], env: Record<string, string> = {}) => ws.run(['--projections', 'projections.mjs', ...args], { env });

async function document(stream: string): Promise<unknown> {
  const store = await openStore(ws.storeUrl);
  try {
    const { tallies } = (await import(pathToFileURL(join(ws.dir, 'projections.mjs')).href)) as { tallies: Parameters<ReadModels['collection']>[0] };
    return await new ReadModels(store.readModelStore()).collection(tallies, 'state').get(stream);
  } finally {
    await store.close();
  }
}

describe('annals projections', () => {
  it('lists the projections of the module, as a table or JSON', async () => {
    const table = await cli(['projections', 'list']);
    expect(table, table.stderr).toMatchObject({ code: 0 });
    expect(table.stdout).toBe(
      ['name     version  kind        collections (indexes)', 'by-type  2        projection  types (count: number)', 'tallies  1        projection  state', ''].join('\n'),
    );
    const json = jsonLines((await cli(['--json', 'projections', 'list'])).stdout);
    expect(json).toEqual([
      { name: 'by-type', version: 2, kind: 'projection', handles: {}, collections: { types: { indexes: { count: 'number' } } } },
      { name: 'tallies', version: 1, kind: 'projection', handles: { category: 'acct' }, collections: { state: { indexes: {} } } },
    ]);
    const one = jsonLines((await ws.run(['--json', '--projections', 'projections.mjs', '--projections-export', 'tallies', 'projections', 'list'])).stdout);
    expect(one.map((p) => p.name)).toEqual(['tallies']);
  });

  it('refuses without --projections, or with a module that exports none', async () => {
    const missing = await ws.run(['projections', 'list']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error ANNALS_INVALID_ARGUMENT: Invalid --projections/);
    await writeFile(join(ws.dir, 'empty.mjs'), 'export const x = 1;\n');
    expect((await ws.run(['--projections', 'empty.mjs', 'projections', 'list'])).code).toBe(2);
    expect((await ws.run(['--projections', 'nowhere.mjs', 'projections', 'list'])).code).toBe(2);
    const unknown = await cli(['dlq', 'list', 'nothing']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('by-type, tallies');
  });

  it('shows status: checkpoint, head, lag, lease and dead letters', async () => {
    await append('acct-1', 1, 2);
    const behind = jsonLines((await cli(['--json', 'projections', 'status', 'tallies'])).stdout);
    expect(behind).toEqual([
      expect.objectContaining({ name: 'tallies', version: 1, generation: 100, liveGeneration: null, state: 'stopped', checkpoint: 0, head: 2, lag: { positions: 2, seconds: expect.any(Number) }, lease: { owner: null, epoch: 0, expiresAt: null }, deadLetters: 0 }),
    ]);
    const app = runApplication('stay');
    await app.waitFor(({ stdout }) => stdout.includes('caught-up'));
    const [running] = jsonLines((await cli(['--json', 'projections', 'status', 'tallies'])).stdout);
    expect(running).toMatchObject({ generation: 100, liveGeneration: 100, state: 'running', checkpoint: 2, head: 2, lag: { positions: 0, seconds: 0 }, lease: { owner: `fixture-${app.pid}`, epoch: 1 } });
    const human = await cli(['projections', 'status']);
    expect(human.stdout).toContain('by-type v2, generation 200 (live)\n  state:         running (a runner holds its lease)\n  checkpoint:    2\n  head:          2\n  lag:           caught up\n');
    expect(human.stdout).toContain('tallies v1, generation 100 (live)\n');
    app.kill('SIGTERM');
    expect((await app.exited).code).toBe(0);
    const [stopped] = jsonLines((await cli(['--json', 'projections', 'status', 'tallies'])).stdout);
    expect(stopped).toMatchObject({ state: 'stopped', lease: { owner: null, epoch: 1 } });
  });
});

describe('annals projections status of a partitioned projection', () => {
  it("shows each partition's owner, epoch, checkpoint, lag and dead letters, and the members with their last heartbeat", async () => {
    await writeFile(
      join(ws.dir, 'groups.mjs'),
      `import { streamProjection } from '${annals}';
export const shares = streamProjection({
  name: 'shares',
  version: 1,
  handles: { category: 'acct' },
  partitions: { count: 4 },
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.amount }),
});
`,
    );
    for (let n = 0; n < 8; n++) await append(`acct-${n}`, n + 1);
    const child = spawn(process.execPath, [RUNNER, ws.storeUrl, join(ws.dir, 'groups.mjs'), 'stay'], { cwd: ws.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const app = new Running(child);
    await app.waitFor(({ stdout }) => stdout.includes('caught-up'));
    const status = (args: readonly string[]) => ws.run(['--projections', 'groups.mjs', ...args]);
    const [json] = jsonLines((await status(['--json', 'projections', 'status', 'shares'])).stdout);
    const owner = `fixture-${app.pid}`;
    expect(json).toMatchObject({ name: 'shares', state: 'running', checkpoint: 8, head: 8, lag: { positions: 0 }, deadLetters: 0 });
    expect(json!.partitions).toEqual(
      [0, 1, 2, 3].map((partition) => expect.objectContaining({ partition, checkpoint: 8, lag: { positions: 0, seconds: 0 }, lease: { owner, epoch: 1, expiresAt: expect.any(String) }, deadLetters: 0 })),
    );
    expect(json!.members).toEqual([expect.objectContaining({ member: owner, alive: true, partitions: [0, 1, 2, 3] })]);
    const human = (await status(['projections', 'status', 'shares'])).stdout;
    expect(human).toContain('  checkpoint (lowest partition):  8\n');
    expect(human).toMatch(new RegExp(`  partition  owner +epoch  checkpoint  lag +dead letters\n  0 +${owner} +1 +8 +caught up +0\n`));
    expect(human).toMatch(new RegExp(`  member +state  last heartbeat +partitions\n  ${owner} +alive  \\d{4}-[^ ]+ +0,1,2,3\n`));
    app.kill('SIGTERM');
    expect((await app.exited).code).toBe(0);
    const [stopped] = jsonLines((await status(['--json', 'projections', 'status', 'shares'])).stdout);
    // A member that stops releases its leases and leaves the group.
    expect(stopped).toMatchObject({ state: 'stopped', members: [] });
  });
});

describe('annals projections rebuild', () => {
  it('builds the next generation beside the live one and switches to it; dead letters are then those of the new one', async () => {
    await append('acct-1', 1, 2);
    await append('acct-2', 10, -3, 4);
    await runOnce();
    expect(jsonLines((await cli(['--json', 'projections', 'status', 'tallies'])).stdout)[0]).toMatchObject({ generation: 100, liveGeneration: 100, deadLetters: 2 });
    const rebuilt = await cli(['projections', 'rebuild', 'tallies'], { TALLIES_FIXED: '1' });
    expect(rebuilt, rebuilt.stderr).toMatchObject({ code: 0 });
    expect(rebuilt.stdout).toMatch(/^rebuilt tallies: generation 101 is live \(was 100\), at position 5, in \d+\.\d s\n$/);
    expect(rebuilt.stderr).toContain('rebuilding tallies: generation 101 at position 5');
    expect(jsonLines((await cli(['--json', 'projections', 'status', 'tallies'])).stdout)[0]).toMatchObject({ generation: 101, liveGeneration: 101, checkpoint: 5, deadLetters: 0 });
    expect((await cli(['dlq', 'list', 'tallies'])).stderr).toBe('(no dead letters)\n');
    expect(await document('acct-2')).toEqual({ total: 11, applied: [3, 4, 5] });
  });
});

describe('annals dlq', () => {
  /** acct-1 flows; acct-2 is parked at its second event, with the third behind it. */
  async function poisoned(): Promise<void> {
    await append('acct-1', 1, 2);
    await append('acct-2', 10, -3, 4);
    await runOnce();
  }

  it('lists parked events, retries them after the fix, and the stream flows again', async () => {
    await poisoned();
    const list = await cli(['dlq', 'list', 'tallies']);
    expect(list, list.stderr).toMatchObject({ code: 0 });
    expect(list.stdout.split('\n')).toEqual([
      expect.stringMatching(/^#4  acct-2  Added  parked \S+Z  [0-9a-f-]{36}  by \S+$/), // the runner's lease owner
      '    Error: refused amount -3',
      expect.stringMatching(/^#5  acct-2  Added  parked /),
      '    parked behind an earlier parked event of the same stream',
      '',
    ]);
    const json = jsonLines((await cli(['--json', 'dlq', 'list', 'tallies', '--after', '4'])).stdout);
    expect(json).toEqual([expect.objectContaining({ position: 5, stream: 'acct-2', type: 'Added', parkedAt: expect.stringMatching(/Z$/), owner: expect.any(String) })]);
    expect(jsonLines((await cli(['--json', 'projections', 'status', 'tallies'])).stdout)[0]).toMatchObject({ deadLetters: 2, checkpoint: 5 });

    // Not fixed yet: it fails again, stays parked, and says so with exit code 1.
    const again = await cli(['dlq', 'retry', 'tallies']);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('retried 2 parked events of tallies: 0 applied, 2 still parked\nstill parked: acct-2 at #4 (Added): Error: refused amount -3\n');

    const retried = await cli(['--json', 'dlq', 'retry', 'tallies', '--stream', 'acct-2'], { TALLIES_FIXED: '1' });
    expect(retried, retried.stderr).toMatchObject({ code: 0 });
    expect(jsonLines(retried.stdout)).toEqual([{ applied: 2, missing: 0, streams: ['acct-2'], failed: [], stillParked: 0 }]);
    expect((await cli(['dlq', 'list', 'tallies'])).stderr).toBe('(no dead letters)\n');
    await append('acct-2', 5);
    await runOnce(true);
    expect(await document('acct-2')).toEqual({ total: 16, applied: [3, 4, 5, 6] });
  });

  it('drops parked events: never applied, and the stream flows again from its next event', async () => {
    await poisoned();
    const none = await cli(['dlq', 'drop', 'tallies']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--stream <name>, --position <p> or --all');
    const dropped = await cli(['dlq', 'drop', 'tallies', '--stream', 'acct-2']);
    expect(dropped, dropped.stderr).toMatchObject({ code: 0, stdout: 'dropped 2 parked events of tallies\nflowing again from their next event: acct-2\n' });
    await append('acct-2', 5);
    await runOnce();
    expect(await document('acct-2')).toEqual({ total: 15, applied: [3, 6] });
    expect(jsonLines((await cli(['--json', 'dlq', 'drop', 'tallies', '--position', '4'])).stdout)).toEqual([{ dropped: 0, streams: [] }]);
  });

  it('refuses to retry or drop while another process runs the projection, naming the holder', async () => {
    await poisoned();
    const app = runApplication('stay');
    await app.waitFor(({ stdout }) => stdout.includes('caught-up'));
    for (const args of [['dlq', 'retry', 'tallies'], ['dlq', 'drop', 'tallies', '--all']]) {
      const busy = await cli(['--json', ...args], { TALLIES_FIXED: '1' });
      expect(busy.code).toBe(3);
      const { error } = JSON.parse(busy.stderr) as { error: Record<string, unknown> };
      expect(error).toMatchObject({ code: 'ANNALS_PROJECTION_BUSY', projection: 'tallies v1, generation 100', holder: `fixture-${app.pid}`, leaseExpiresAt: expect.stringMatching(/Z$/) });
    }
    expect(jsonLines((await cli(['--json', 'projections', 'status', 'tallies'])).stdout)[0]).toMatchObject({ deadLetters: 2 });
    app.kill('SIGTERM');
    await app.exited;
    expect((await cli(['dlq', 'retry', 'tallies'], { TALLIES_FIXED: '1' })).code).toBe(0);
  });
});
