import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, Workspace } from './cli-harness.js';

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
  expect((await ws.run(['append', 'account-1', 'Opened', '{"owner":"al"}'])).code).toBe(0);
});
afterEach(async () => {
  await ws.cleanup();
});

describe('annals tail', () => {
  it('shows only events appended after it started, by another process, and exits 130 on SIGINT (Ctrl-C)', async () => {
    const tail = ws.start(['tail']);
    await tail.waitFor(({ stderr }) => stderr.includes('following the log after position 1'));

    expect((await ws.run(['append', 'account-1', 'Deposited', '{"amount":5}'])).code).toBe(0);
    await tail.waitFor(({ stdout }) => stdout.includes('Deposited'));
    expect(tail.stdout).toMatch(/^#2 {2}account-1@1 {2}Deposited {2}\S+Z {2}[0-9a-f-]{36}\n {4}\{"amount":5\}\n$/);

    tail.kill('SIGINT');
    const result = await tail.exited;
    expect(result).toMatchObject({ code: 130, signal: null });
    expect(result.stderr).toBe('following the log after position 1 (Ctrl-C to stop)\n');
  });

  it('replays the log first with --from-start, filters by type, and exits 0 on SIGTERM', async () => {
    const tail = ws.start(['--json', 'tail', '--from-start', '--type', 'Opened']);
    await tail.waitFor(({ stdout }) => stdout.includes('\n'));

    expect((await ws.run(['append', 'account-1', 'Deposited'])).code).toBe(0);
    expect((await ws.run(['append', 'account-2', 'Opened', '{"owner":"bo"}'])).code).toBe(0);
    await tail.waitFor(({ stdout }) => stdout.includes('account-2'));

    tail.kill('SIGTERM');
    const result = await tail.exited;
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(jsonLines(result.stdout).map((e) => [e.stream, e.type, e.position])).toEqual([
      ['account-1', 'Opened', 1],
      ['account-2', 'Opened', 3],
    ]);
  });

  it('resumes after a given position', async () => {
    expect((await ws.run(['append', 'account-1', 'Deposited'])).code).toBe(0);
    const tail = ws.start(['--json', 'tail', '--after', '1']);
    await tail.waitFor(({ stdout }) => stdout.includes('\n'));
    tail.kill('SIGINT');
    const result = await tail.exited;
    expect(result.code).toBe(130);
    expect(jsonLines(result.stdout).map((e) => e.position)).toEqual([2]);
  });

  it('ends quietly with exit 0 at the next event once its reader has gone away', async () => {
    const tail = ws.start(['tail', '--from-start']);
    await tail.waitFor(({ stdout }) => stdout.includes('Opened'));
    tail.closeStdout();

    expect((await ws.run(['append', 'account-1', 'Deposited'])).code).toBe(0);
    const result = await tail.exited;
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.stderr).toBe('following the log after position 0 (Ctrl-C to stop)\n');
  });

  it('exits 2 when --from-start and --after are both given', async () => {
    const result = await ws.run(['tail', '--from-start', '--after', '3']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: option '--from-start' cannot be used with option '--after <position>'`);
  });
});
