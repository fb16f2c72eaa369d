import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, Workspace } from './cli-harness.js';

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
});
afterEach(async () => {
  await ws.cleanup();
});

const annals = pathToFileURL(fileURLToPath(new URL('../../dist/src/index.js', import.meta.url))).href;
const zod = pathToFileURL(fileURLToPath(new URL('../../node_modules/zod/index.js', import.meta.url))).href;

// An application's schemas module, as its build would emit it: Opened is at version 2 (v1 had `name`).
const SCHEMAS = `
import { defineEvents } from '${annals}';
import { z } from '${zod}';
export const events = defineEvents({
  Opened: {
    schema: z.object({ owner: z.string().min(1) }),
    version: 2,
    upcast: { 1: (v1) => ({ owner: v1.name }) },
  },
  Deposited: { schema: z.object({ amount: z.number().positive() }) },
});
`;

async function append(stream: string, type: string, data: unknown, ...flags: string[]): Promise<void> {
  const result = await ws.run(['append', stream, type, JSON.stringify(data), ...flags]);
  expect(result, result.stderr).toMatchObject({ code: 0 });
}

beforeEach(async () => {
  await writeFile(join(ws.dir, 'events.mjs'), SCHEMAS);
});

describe('annals check-events', () => {
  it('passes when every event decodes, old versions through their upcasters', async () => {
    await append('account-1', 'Opened', { name: 'Ada' }); // written before the schemas existed: version 1
    await append('account-1', 'Deposited', { amount: 5 }, '--expected-revision', '0');
    await append('audit-1', 'LoggedIn', {});
    const result = await ws.run(['--schemas', './events.mjs', 'check-events']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('checked 3 events: 2 ok, 0 failed, 1 of types without a schema (LoggedIn ×1)\n');
  });

  it('lists each event that does not decode and exits 1', async () => {
    await append('account-1', 'Opened', { name: '' });
    await append('account-2', 'Opened', { owner: 'Bob' }, '--metadata', '{"schemaVersion":3}');
    await append('account-3', 'Deposited', { amount: 5 });
    const result = await ws.run(['--schemas', './events.mjs', 'check-events']);
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^FAIL #1 {2}account-1@0 {2}Opened v1: the current schema refuses it: data\.owner: /);
    expect(lines[1]).toMatch(/^FAIL #2 {2}account-2@0 {2}Opened v3: it was written at version 3, newer than the schema's version 2/);
    expect(lines[2]).toBe('checked 3 events: 1 ok, 2 failed, 0 of types without a schema');
  });

  it('prints JSON lines with --json: each failure, then the summary', async () => {
    await append('account-1', 'Opened', { name: '' });
    const result = await ws.run(['--json', '--schemas', './events.mjs', 'check-events']);
    expect(result.code).toBe(1);
    const [failure, summary] = jsonLines(result.stdout);
    expect(failure).toMatchObject({ failed: { stream: 'account-1', revision: 0, position: 1, type: 'Opened', version: 1, issues: [{ field: 'data.owner' }] } });
    expect(summary).toEqual({ summary: { checked: 1, ok: 0, failed: 1, unregistered: 0, unregisteredTypes: {} } });
  });

  it('counts types without a schema as failures with --strict', async () => {
    await append('audit-1', 'LoggedIn', {});
    const result = await ws.run(['--schemas', './events.mjs', 'check-events', '--strict']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL #1  audit-1@0  LoggedIn v1: the type "LoggedIn" has no schema (--strict)');
  });

  it('needs --schemas, and a module that exports schemas', async () => {
    expect((await ws.run(['check-events'])).code).toBe(2);
    await writeFile(join(ws.dir, 'other.mjs'), 'export const x = 1;');
    const result = await ws.run(['--schemas', './other.mjs', 'check-events']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ANNALS_INVALID_ARGUMENT');
    const missing = await ws.run(['--schemas', './missing.mjs', 'check-events']);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain('importing it failed');
  });
});

describe('--schemas on other commands', () => {
  it('validates appends and upcasts reads', async () => {
    await append('account-1', 'Opened', { name: 'Ada' });
    const refused = await ws.run(['--schemas', './events.mjs', 'append', 'account-2', 'Deposited', '{"amount":-1}']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('ANNALS_INVALID_EVENT');
    const read = await ws.run(['--json', '--schemas', './events.mjs', 'read', 'account-1']);
    expect(jsonLines(read.stdout).map((e) => [e.data, e.metadata])).toEqual([[{ owner: 'Ada' }, { schemaVersion: 2 }]]);
  });
});
