import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, Workspace } from './cli-harness.js';

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
});
afterEach(async () => {
  await ws.cleanup();
});

const ID = '6f1c2b1e-8a3d-4c5e-9f00-0123456789ab';

describe('annals append', () => {
  it('appends one event and says where it landed', async () => {
    const first = await ws.run(['append', 'account-7', 'Deposited', '{"amount":10}']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe('appended 1 event to account-7 at revision 0 (position 1)\n');

    const second = await ws.run(['append', 'account-7', 'Withdrawn', '{"amount":3}']);
    expect(second.stdout).toBe('appended 1 event to account-7 at revision 1 (position 2)\n');

    const read = await ws.run(['--json', 'read', 'account-7']);
    expect(jsonLines(read.stdout).map((e) => [e.type, e.data])).toEqual([
      ['Deposited', { amount: 10 }],
      ['Withdrawn', { amount: 3 }],
    ]);
  });

  it('prints the AppendResult with --json and records the given id and metadata', async () => {
    const result = await ws.run(['--json', 'append', 'account-7', 'Opened', '{}', '--id', ID, '--metadata', '{"correlationId":"c-1"}']);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([{ stream: 'account-7', streamRevision: 0, position: 1 }]);

    const got = jsonLines((await ws.run(['--json', 'get', ID])).stdout);
    expect(got).toEqual([expect.objectContaining({ id: ID, type: 'Opened', data: {}, metadata: { correlationId: 'c-1' } })]);
  });

  it('reads the data from stdin when it is -', async () => {
    const result = await ws.run(['append', 'account-7', 'Deposited', '-'], { input: '{"amount": 42}\n' });
    expect(result.code).toBe(0);
    const [event] = jsonLines((await ws.run(['--json', 'read', 'account-7'])).stdout);
    expect(event!.data).toEqual({ amount: 42 });
  });

  it('appends a JSON array of events from a file in one call', async () => {
    const file = join(ws.dir, 'events.json');
    await writeFile(file, JSON.stringify([{ type: 'A', data: 1 }, { type: 'B', metadata: { causationId: 'x' } }, { type: 'C', id: ID }]));
    const result = await ws.run(['append', 'batch-1', '--events', 'events.json']);
    expect(result).toMatchObject({ code: 0, stdout: 'appended 3 events to batch-1 at revision 2 (position 3)\n' });
    const events = jsonLines((await ws.run(['--json', 'read', 'batch-1'])).stdout);
    expect(events.map((e) => [e.type, e.data, e.revision])).toEqual([
      ['A', 1, 0],
      ['B', null, 1],
      ['C', null, 2],
    ]);
    expect(events[2]!.id).toBe(ID);
  });

  it('appends NDJSON events read from stdin, skipping blank lines', async () => {
    const input = '{"type":"A","data":{"n":1}}\n\n{"type":"B","data":{"n":2}}\n';
    const result = await ws.run(['--json', 'append', 'batch-1', '--events', '-'], { input });
    expect(jsonLines(result.stdout)).toEqual([{ stream: 'batch-1', streamRevision: 1, position: 2 }]);
  });

  it('writes nothing when one event of --events is invalid', async () => {
    const input = '{"type":"A"}\n{"type":""}\n';
    const result = await ws.run(['append', 'batch-1', '--events', '-'], { input });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error ANNALS_INVALID_EVENT: Event #1 for "batch-1" is invalid at type/);
    const info = jsonLines((await ws.run(['--json', 'info', 'batch-1'])).stdout);
    expect(info[0]).toMatchObject({ exists: false, revision: -1 });
  });

  it('exits 3 with the hint on stderr when the expected revision does not match, and writes nothing', async () => {
    await ws.run(['append', 'account-7', 'Opened']);
    const result = await ws.run(['append', 'account-7', 'Deposited', '{"amount":1}', '--expected-revision', 'no_stream']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`error ANNALS_WRONG_EXPECTED_REVISION: Stream "account-7" is at revision 0, expected 'no_stream'`);
    expect(result.stderr).toContain('\n  hint: Reload the stream and decide again');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const events = jsonLines((await ws.run(['--json', 'read', 'account-7'])).stdout);
    expect(events.map((e) => e.type)).toEqual(['Opened']);
  });

  it('prints a conflict as a JSON error object with --json', async () => {
    await ws.run(['append', 'account-7', 'Opened']);
    const result = await ws.run(['--json', 'append', 'account-7', 'Deposited', '--expected-revision', '5']);
    expect(result.code).toBe(3);
    expect(jsonLines(result.stderr)).toEqual([
      {
        error: expect.objectContaining({
          code: 'ANNALS_WRONG_EXPECTED_REVISION',
          stream: 'account-7',
          expected: 5,
          actual: 0,
          hint: expect.stringContaining('Reload the stream'),
        }),
      },
    ]);
  });

  it('accepts an exact expected revision that matches', async () => {
    await ws.run(['append', 'account-7', 'Opened', '--expected-revision', 'no_stream']);
    const result = await ws.run(['append', 'account-7', 'Deposited', '--expected-revision', '0']);
    expect(result).toMatchObject({ code: 0, stdout: 'appended 1 event to account-7 at revision 1 (position 2)\n' });
  });

  it('exits 2 on data that is not JSON', async () => {
    const result = await ws.run(['append', 'account-7', 'Deposited', '{amount:10}']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error ANNALS_INVALID_ARGUMENT: Invalid data: "\{amount:10\}"\.\n {2}hint: Expected JSON text/);
  });

  it('exits 2 on an invalid stream name', async () => {
    const result = await ws.run(['append', 'x'.repeat(201), 'Deposited']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error ANNALS_INVALID_STREAM_NAME: .*more than 200/);
  });

  it('exits 2 on an unknown option, with the parser message', async () => {
    const result = await ws.run(['append', 'account-7', 'Deposited', '--amount', '10']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: unknown option '--amount'`);
    expect(result.stdout).toBe('');
  });

  it('reports usage errors as JSON with --json', async () => {
    const result = await ws.run(['--json', 'append', 'account-7', 'Deposited', '--amount', '10']);
    expect(result.code).toBe(2);
    expect(jsonLines(result.stderr)).toEqual([{ error: { name: 'UsageError', code: 'commander.unknownOption', message: `unknown option '--amount'` } }]);
  });

  it('exits 2 on an invalid --expected-revision, naming the option', async () => {
    const result = await ws.run(['append', 'account-7', 'Deposited', '--expected-revision', '-1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error ANNALS_INVALID_ARGUMENT: Invalid --expected-revision: "-1".');
  });

  it('exits 2 when --events is combined with a type', async () => {
    const result = await ws.run(['append', 'account-7', 'Deposited', '--events', '-'], { input: '[]' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error ANNALS_INVALID_ARGUMENT: Invalid --events');
  });

  it('exits 3 when appending to a hard-deleted stream, and writes nothing', async () => {
    await ws.run(['append', 'account-7', 'Opened']);
    await ws.run(['delete', 'account-7', '--hard']);
    const result = await ws.run(['append', 'account-7', 'Deposited']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error ANNALS_STREAM_DELETED: /);
  });

  it('exits 3 when the event id is recorded elsewhere, and writes nothing', async () => {
    await ws.run(['append', 'account-7', 'Opened', '--id', ID]);
    const result = await ws.run(['append', 'account-8', 'Opened', '--id', ID]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error ANNALS_DUPLICATE_EVENT_ID: /);
    const info = jsonLines((await ws.run(['--json', 'info', 'account-8'])).stdout);
    expect(info[0]).toMatchObject({ exists: false });
  });
});
