import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.js';
import { Workspace } from '../e2e/cli-harness.js';
import { cleanFold, startProjector, statusOf, storedTrails, stopProjector, trailCheckpoint } from '../helpers/projector.js';
import { killRunningWorkers } from '../helpers/worker.js';

// A process has the `trail` projection registered inline on a SQLite file and appends to it
// (test/fixtures/projector.mjs); meanwhile `annals append` (the built CLI) appends to the same
// file from processes that know nothing of the projection. Every event must reach the read model
// exactly once (the CLI's by the catch-up runner, the process's own inline once caught up), and
// status must show it caught up.

let workspace: Workspace;
afterEach(killRunningWorkers);
afterAll(() => workspace?.cleanup());

describe('CLI appends and an inline projection in another process', () => {
  it('reach its read model exactly once, and status shows it caught up', async () => {
    workspace = await Workspace.create();
    const url = workspace.storeUrl;
    const projector = await startProjector({ url, owner: 'inline-host', mode: 'inline', leaseTtlMs: 1000 });
    const ownAppends: number[] = [];
    for (let i = 0; i < 8; i++) {
      const cli = workspace.run(['append', `cli-${i % 3}`, 'Noted', JSON.stringify({ n: i }), '--store', url]);
      // The process's own appends, racing the CLI's: inline when caught up, by its runner otherwise.
      for (let k = 0; k < 3; k++) {
        const appended = projector.nextLine((line) => line.startsWith('appended '));
        projector.send(`append own-${(i + k) % 2}`);
        ownAppends.push(Number((await appended).slice('appended '.length)));
      }
      const result = await cli;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/appended 1 event to cli-/);
    }
    const events = await openStore(url);
    try {
      const head = await events.headPosition();
      expect(head).toBe(8 + ownAppends.length);
      const deadline = Date.now() + 10_000;
      while ((await trailCheckpoint(events.readModelStore())) < head && Date.now() < deadline) await sleep(20);
      const status = await statusOf(projector);
      expect(status).toMatchObject({ state: 'running', checkpoint: head, head, lag: { positions: 0 } });
      const { trails, by } = await storedTrails(events.readModelStore());
      expect(trails).toEqual(await cleanFold(events));
      expect(by.size).toBe(head);
      const report = await stopProjector(projector);
      expect(report.errors.filter((error) => error.code !== 'ANNALS_LEASE_LOST')).toEqual([]);
    } finally {
      await events.close();
    }
  }, 60_000);
});
