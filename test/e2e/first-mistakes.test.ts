// The mistakes a newcomer makes first, walked through on the command line and in code: each
// must end with a coded error and a hint, nothing written, and a stack only with --verbose.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnalsError, openStore } from '../../src/index.js';
import { Workspace } from './cli-harness.js';

let ws: Workspace;
let closedPort: number;
beforeAll(async () => {
  ws = await Workspace.create();
  writeFileSync(join(ws.dir, 'notes.txt'), 'not a database, only notes long enough to fill the header of one\n'.repeat(4));
  // A port that nothing listens on: the server it names refuses the connection.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
});
afterAll(() => ws.cleanup());

/** A mistake: the command line (after `--store <store>`), and the code it must end with. */
interface Mistake {
  readonly what: string;
  readonly store: () => string;
  readonly args: readonly string[];
  readonly code: string;
}

const sqlite = (name: string) => () => `sqlite:${join(ws.dir, name)}`;

const MISTAKES: Mistake[] = [
  { what: 'a SQLite path in a directory that does not exist', store: sqlite('no-such-dir/x.db'), args: ['append', 'order-1', 'Placed'], code: 'ANNALS_STORE_OPEN_FAILED' },
  { what: 'a file that is not a SQLite database', store: sqlite('notes.txt'), args: ['read-all'], code: 'ANNALS_STORE_OPEN_FAILED' },
  { what: 'a directory given as the store', store: () => `sqlite:${ws.dir}`, args: ['read-all'], code: 'ANNALS_STORE_OPEN_FAILED' },
  { what: 'a mistyped path on a reading command', store: sqlite('evnets.db'), args: ['read', 'order-1'], code: 'ANNALS_STORE_OPEN_FAILED' },
  { what: 'a flag value that is not true or false', store: () => `${sqlite('a.db')()}?migrate=yes`, args: ['append', 'order-1', 'Placed'], code: 'ANNALS_INVALID_ARGUMENT' },
  { what: 'a mistyped PostgreSQL option', store: () => 'postgres://nobody@127.0.0.1:1/none?poolsize=5', args: ['read-all'], code: 'ANNALS_INVALID_ARGUMENT' },
  { what: 'a mistyped Redis option', store: () => 'redis://127.0.0.1:1/0?keyprefix=orders:', args: ['read-all'], code: 'ANNALS_INVALID_ARGUMENT' },
  { what: 'a PostgreSQL server that refuses the connection', store: () => `postgres://postgres@127.0.0.1:${closedPort}/test`, args: ['read-all'], code: 'ANNALS_STORE_OPEN_FAILED' },
  { what: 'a stream name of spaces', store: sqlite('b.db'), args: ['append', '   ', 'Placed'], code: 'ANNALS_INVALID_STREAM_NAME' },
  { what: 'a stream name starting with "-"', store: sqlite('b.db'), args: ['append', '--', '-order-1', 'Placed'], code: 'ANNALS_INVALID_STREAM_NAME' },
  { what: 'an event larger than the store takes', store: () => `${sqlite('b.db')()}?maxEventBytes=64`, args: ['append', 'order-1', 'Placed', JSON.stringify({ note: 'x'.repeat(100) })], code: 'ANNALS_EVENT_TOO_LARGE' },
];

describe('the first mistakes, on the command line', () => {
  it.each(MISTAKES.map((m) => [m.what, m] as const))('%s: a coded error and its hint, no stack', async (_, mistake) => {
    const result = await ws.run(['--store', mistake.store(), ...mistake.args]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error ${mistake.code}: .+\\n {2}hint: .+\\n$`));
    const verbose = await ws.run(['--verbose', '--store', mistake.store(), ...mistake.args]);
    expect(verbose.stderr).toMatch(new RegExp(`^error ${mistake.code}: `));
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it('says each as one JSON object on stderr with --json', async () => {
    for (const mistake of MISTAKES) {
      const result = await ws.run(['--json', '--store', mistake.store(), ...mistake.args]);
      expect(JSON.parse(result.stderr) as unknown, mistake.what).toMatchObject({ error: { code: mistake.code, hint: expect.any(String) } });
    }
  });
});

describe('the first mistakes, in code', () => {
  it.each(MISTAKES.map((m) => [m.what, m] as const))('%s: a typed AnnalsError', async (_, mistake) => {
    // The same steps as the command: reading commands open with create: false.
    const attempt = async () => {
      const store = await openStore(mistake.store(), { create: mistake.args[0] !== 'read' && mistake.args[0] !== 'read-all' });
      try {
        const [command, ...rest] = mistake.args.filter((arg) => arg !== '--');
        if (command === 'append') await store.append(rest[0]!, [{ type: rest[1]!, data: rest[2] === undefined ? null : JSON.parse(rest[2]) }]);
        else if (command === 'read') for await (const _event of store.readStream(rest[0]!));
        else for await (const _event of store.readAll());
      } finally {
        await store.close();
      }
    };
    const error = await attempt().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AnnalsError);
    expect(error).toMatchObject({ code: mistake.code, hint: expect.any(String) });
  });
});
