import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { streamProjection, type Projection } from '../../src/index.js';
import { amountOf, type Count } from '../projections/workload.js';

/** Partitions of the benchmark's group projection. */
export const PARTITIONS = 16;

/** The counting projection (one document per `account-*` stream), split in 16 partitions routed by stream name. */
export const partitionedCounting: Projection = countingWith(0);

/**
 * The same projection spending `workUs` microseconds of CPU on each event (a projection whose
 * apply does real work: parsing, computing), so that the members' cores, not the database, bound it.
 */
export function countingWith(workUs: number): Projection {
  return streamProjection<Count>({
    name: 'group-counting',
    version: 1,
    handles: { category: 'account' },
    collection: 'counts',
    partitions: { count: PARTITIONS },
    initialState: () => ({ events: 0, total: 0 }),
    evolve: (state, event) => {
      if (workUs > 0) for (const until = performance.now() + workUs / 1000; performance.now() < until; );
      return { events: state.events + 1, total: state.total + amountOf(event) };
    },
  });
}

const CHILD = fileURLToPath(new URL('./member-child.js', import.meta.url));

/** A member process (member-child.ts), driven over its stdin. */
export class MemberProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private readonly waiting = new Set<() => void>();
  readonly exited: Promise<void>;

  constructor(url: string, schema: string, readonly owner: string, leaseTtlMs: number, workUs = 0) {
    this.child = spawn(process.execPath, [CHILD, url, schema, owner, String(leaseTtlMs), String(workUs)], { stdio: 'pipe' });
    let partial = '';
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      this.lines.push(...lines);
      for (const wake of [...this.waiting]) wake();
    });
    this.child.stderr.resume();
    this.exited = new Promise((resolve) => this.child.on('close', () => resolve()));
  }

  /** Resolves once the member printed `line`. */
  async printed(line: string): Promise<void> {
    while (!this.lines.includes(line)) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          this.waiting.delete(wake);
          resolve();
        };
        this.waiting.add(wake);
        void this.exited.then(() => (this.waiting.delete(wake) ? reject(new Error(`member ${this.owner} exited before printing "${line}"`)) : undefined));
      });
    }
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** Stops the member cleanly (it leaves the group) and waits for it to exit. */
  async stop(): Promise<void> {
    this.send('stop');
    await this.exited;
  }
}
