import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);
const cli = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const run = promisify(execFile);

describeWithService(service, 'Redis: the CLI one-liner', () => {
  const redis = useRedis(service.url);

  it('appends with `annals --store redis://… append` and reads the event back with `get <id>`', async () => {
    const url = new URL(service.url);
    url.searchParams.set('keyPrefix', redis.keyPrefix());
    const store = url.toString();
    const id = randomUUID();
    const appended = await run(process.execPath, [cli, '--store', store, 'append', 'order-1', 'OrderPlaced', '{"total":1}', '--id', id]);
    expect(appended.stdout).toMatch(/order-1 at revision 0/);
    const got = await run(process.execPath, [cli, '--store', store, '--json', 'get', id]);
    expect(JSON.parse(got.stdout)).toMatchObject({ id, type: 'OrderPlaced', data: { total: 1 }, stream: 'order-1', revision: 0 });
  });

  it('prints the durability warning at most once, and as a JSON line on stderr under --json', async () => {
    const url = new URL(service.url);
    url.searchParams.set('keyPrefix', redis.keyPrefix());
    const store = url.toString();
    const json = await run(process.execPath, [cli, '--store', store, '--json', 'read-all']);
    const lines = json.stderr.split('\n').filter((line) => line !== '');
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ warning: { message: expect.any(String), durability: { safe: false } } });
    expect(lines.length).toBeLessThanOrEqual(1);
    const human = await run(process.execPath, [cli, '--store', store, 'read-all']);
    // A server that keeps acknowledged appends safe has nothing to warn of; one that does not, one warning.
    expect(human.stderr.split('\n').filter((line) => line.startsWith('warning: '))).toHaveLength(lines.length);
  });
});
