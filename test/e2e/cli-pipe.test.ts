import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from './cli-harness.js';

// A log much larger than a pipe's buffer, so the reader closes the pipe while annals is still writing.
const COUNT = 4000;
let ws: Workspace;

beforeAll(async () => {
  ws = await Workspace.create();
  const lines = Array.from({ length: COUNT }, (_, i) => JSON.stringify({ type: 'Ticked', data: { i, padding: 'x'.repeat(60) } }));
  await writeFile(join(ws.dir, 'events.ndjson'), lines.join('\n'));
  expect((await ws.run(['append', 'clock-1', '--events', 'events.ndjson'])).code).toBe(0);
});
afterAll(async () => {
  await ws.cleanup();
});

describe('output to a pipe that closes early', () => {
  it('read-all | head -1 prints one line, no error, and exits 0', async () => {
    const result = await ws.shell('annals read-all | head -1');
    expect(result.stdout).toMatch(/^#1 {2}clock-1@0 {2}Ticked {2}\S+Z {2}[0-9a-f-]{36}\n$/);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('read --json | head -2 stops quietly too', async () => {
    const result = await ws.shell('annals --json read clock-1 | head -2');
    expect(result.stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { revision: number }).revision)).toEqual([0, 1]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('writes the whole log when the reader keeps reading', async () => {
    const result = await ws.shell('annals --json read-all | wc -l');
    expect(result.stdout.trim()).toBe(String(COUNT));
    expect(result.code).toBe(0);
  });
});
