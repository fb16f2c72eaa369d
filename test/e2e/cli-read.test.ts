import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, Workspace } from './cli-harness.js';

// One log, written once, read by every test: account-1 (3 events), order-9 (1), account-2 (1).
let ws: Workspace;
const HEADER = /^#(\d+) {2}(\S+)@(\d+) {2}(\S+) {2}(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) {2}([0-9a-f-]{36})$/;
const DEPOSIT_ID = '0a7c34c4-1d1e-4c56-8f3e-2b7f3b3c9d01';

beforeAll(async () => {
  ws = await Workspace.create();
  const appends = [
    ['append', 'account-1', '--events', '-'],
    ['append', 'order-9', 'Placed', '{"items":["tea"]}'],
    ['append', 'account-2', 'Opened', '{"owner":"bo"}', '--metadata', '{"correlationId":"c-9"}'],
  ];
  const events = [
    { type: 'Opened', data: { owner: 'al' } },
    { type: 'Deposited', data: { amount: 10 }, id: DEPOSIT_ID },
    { type: 'Withdrawn', data: { amount: 4 } },
  ];
  for (const args of appends) {
    const result = await ws.run(args, { input: events.map((e) => JSON.stringify(e)).join('\n') });
    expect(result.code).toBe(0);
  }
});
afterAll(async () => {
  await ws.cleanup();
});

describe('annals read', () => {
  it('prints each event as a header line and its data indented below', async () => {
    const result = await ws.run(['read', 'account-1']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.filter((_, i) => i % 2 === 0).map((line) => HEADER.exec(line)?.slice(1, 5))).toEqual([
      ['1', 'account-1', '0', 'Opened'],
      ['2', 'account-1', '1', 'Deposited'],
      ['3', 'account-1', '2', 'Withdrawn'],
    ]);
    expect(lines.filter((_, i) => i % 2 === 1)).toEqual(['    {"owner":"al"}', '    {"amount":10}', '    {"amount":4}']);
    // The id on the header line is the one `annals get` takes.
    const id = HEADER.exec(lines[2]!)![6]!;
    const got = jsonLines((await ws.run(['--json', 'get', id])).stdout);
    expect(got[0]).toMatchObject({ id, stream: 'account-1', revision: 1, type: 'Deposited' });
  });

  it('shows metadata on its own line when there is some', async () => {
    const result = await ws.run(['read', 'account-2']);
    expect(result.stdout.split('\n').slice(1, 3)).toEqual(['    {"owner":"bo"}', '    metadata: {"correlationId":"c-9"}']);
  });

  it('prints RecordedEvents with ISO times, one per line, with --json', async () => {
    const events = jsonLines((await ws.run(['--json', 'read', 'account-1'])).stdout);
    expect(events).toHaveLength(3);
    expect(events[1]).toEqual({
      id: DEPOSIT_ID,
      type: 'Deposited',
      data: { amount: 10 },
      metadata: {},
      stream: 'account-1',
      revision: 1,
      position: 2,
      recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
  });

  it('reads backwards from the end with a maximum count', async () => {
    const events = jsonLines((await ws.run(['--json', 'read', 'account-1', '--backwards', '--max-count', '2'])).stdout);
    expect(events.map((e) => e.revision)).toEqual([2, 1]);
  });

  it('reads from a given revision', async () => {
    const events = jsonLines((await ws.run(['--json', 'read', 'account-1', '--from', '1'])).stdout);
    expect(events.map((e) => e.revision)).toEqual([1, 2]);
  });

  it('prints nothing on stdout for a stream without events, and says so on stderr', async () => {
    const result = await ws.run(['read', 'nobody-1']);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '(no events)\n' });
    const json = await ws.run(['--json', 'read', 'nobody-1']);
    expect(json).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('exits 2 on a --from that is not a revision', async () => {
    const result = await ws.run(['read', 'account-1', '--from', 'middle']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error ANNALS_INVALID_ARGUMENT: Invalid --from: "middle".');
  });
});

describe('annals read-all', () => {
  it('prints the whole log in position order', async () => {
    const result = await ws.run(['read-all']);
    const headers = result.stdout.split('\n').filter((line) => line.startsWith('#'));
    expect(headers.map((line) => HEADER.exec(line)?.[2])).toEqual(['account-1', 'account-1', 'account-1', 'order-9', 'account-2']);
  });

  it('filters by category and by repeated --type', async () => {
    const byCategory = jsonLines((await ws.run(['--json', 'read-all', '--category', 'account'])).stdout);
    expect(byCategory.map((e) => e.position)).toEqual([1, 2, 3, 5]);
    const byTypes = jsonLines((await ws.run(['--json', 'read-all', '--type', 'Opened', '--type', 'Placed'])).stdout);
    expect(byTypes.map((e) => [e.stream, e.type])).toEqual([
      ['account-1', 'Opened'],
      ['order-9', 'Placed'],
      ['account-2', 'Opened'],
    ]);
  });

  it('starts after a position and stops at a maximum count', async () => {
    const events = jsonLines((await ws.run(['--json', 'read-all', '--after', '2', '--max-count', '2'])).stdout);
    expect(events.map((e) => e.position)).toEqual([3, 4]);
  });

  it('exits 2 on a category containing "-"', async () => {
    const result = await ws.run(['read-all', '--category', 'account-1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error ANNALS_INVALID_ARGUMENT: Invalid category/);
  });
});

describe('annals get', () => {
  it('prints one event by id, in both formats', async () => {
    const human = await ws.run(['get', DEPOSIT_ID.toUpperCase()]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^#2 {2}account-1@1 {2}Deposited {2}\S+Z {2}[0-9a-f-]{36}\n {4}\{"amount":10\}\n$/);
    const [event] = jsonLines((await ws.run(['--json', 'get', DEPOSIT_ID])).stdout);
    expect(event).toMatchObject({ id: DEPOSIT_ID, stream: 'account-1', revision: 1 });
  });

  it('exits 4 with ANNALS_EVENT_NOT_FOUND for an unknown id', async () => {
    const unknown = '99999999-9999-4999-8999-999999999999';
    const result = await ws.run(['get', unknown]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error ANNALS_EVENT_NOT_FOUND: No event with id ${unknown} is recorded.\n` +
        '  hint: Check the id (a UUID). Events of deleted or truncated streams are removed and cannot be read.\n',
    );
    const json = await ws.run(['--json', 'get', unknown]);
    expect(json.code).toBe(4);
    expect(jsonLines(json.stderr)).toEqual([{ error: expect.objectContaining({ code: 'ANNALS_EVENT_NOT_FOUND', eventId: unknown }) }]);
  });
});

describe('annals info', () => {
  it('prints aligned key: value lines, or the StreamInfo with --json', async () => {
    const human = await ws.run(['info', 'account-1']);
    expect(human.stdout).toBe(
      ['stream:            account-1', 'exists:            yes', 'revision:          2', 'deleted:           no', 'truncated before:  0', ''].join('\n'),
    );
    const json = jsonLines((await ws.run(['--json', 'info', 'account-1'])).stdout);
    expect(json).toEqual([{ stream: 'account-1', exists: true, revision: 2, deleted: false, truncatedBefore: 0 }]);
  });

  it('describes a stream that was never written', async () => {
    const result = await ws.run(['info', 'nobody-1']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('exists:            no\nrevision:          -1 (no events were ever written)\n');
  });
});

describe('--verbose', () => {
  it('adds the stack trace to an error, which is otherwise left out', async () => {
    const unknown = '99999999-9999-4999-8999-999999999999';
    const plain = await ws.run(['get', unknown]);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const verbose = await ws.run(['--verbose', 'get', unknown]);
    expect(verbose.code).toBe(4);
    expect(verbose.stderr).toMatch(/^error ANNALS_EVENT_NOT_FOUND: .*\n {2}hint: .*\nEventNotFoundError: .*\n\s+at /);
  });
});
