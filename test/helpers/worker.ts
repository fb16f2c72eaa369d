import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const running = new Set<Worker>();

/**
 * A Node process running a script of test/fixtures, which imports the built package (dist/).
 * The script gets its settings as one JSON argument, prints control lines (e.g. `ready`)
 * and, last, one JSON line: its report.
 */
export class Worker {
  readonly exited: Promise<WorkerExit>;
  private readonly child: ChildProcessWithoutNullStreams;
  private stdout = '';
  private stderr = '';
  private readonly lines: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();

  constructor(fixture: string, config: unknown, nodeFlags: readonly string[] = []) {
    const script = fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url));
    this.child = spawn(process.execPath, [...nodeFlags, script, JSON.stringify(config)], { stdio: 'pipe' });
    running.add(this);
    let partial = '';
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        this.lines.push(line);
        for (const listener of [...this.lineListeners]) listener(line);
      }
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        running.delete(this);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves when the worker prints (or has printed) a line that satisfies `match`; rejects if it exits first. */
  waitForLine(match: string | ((line: string) => boolean)): Promise<string> {
    const test = typeof match === 'string' ? (line: string) => line === match : match;
    const printed = this.lines.find(test);
    if (printed !== undefined) return Promise.resolve(printed);
    return new Promise((resolve, reject) => {
      const listener = (line: string) => {
        if (!test(line)) return;
        this.lineListeners.delete(listener);
        resolve(line);
      };
      this.lineListeners.add(listener);
      void this.exited.then((exit) => {
        if (!this.lineListeners.delete(listener)) return;
        reject(new Error(`worker exited (code ${exit.code}, signal ${exit.signal}) before printing ${String(match)}\n${exit.stderr}`));
      });
    });
  }

  /** Resolves with the next line, printed after this call, that satisfies `match`; rejects if the worker exits first. */
  nextLine(match: (line: string) => boolean): Promise<string> {
    let seen = this.lines.length;
    // Lines printed before this call are skipped: waitForLine looks at them first, in order.
    return this.waitForLine((line) => seen-- <= 0 && match(line));
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** Waits for a clean exit and returns the report (the last line of stdout, as JSON). */
  async report<T>(): Promise<T> {
    const exit = await this.exited;
    const last = exit.stdout.trimEnd().split('\n').pop() ?? '';
    if (exit.code !== 0) throw new Error(`worker exited with code ${exit.code} (signal ${exit.signal})\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`);
    return JSON.parse(last) as T;
  }
}

/** Starts workers that each print `ready` once set up, then releases them together with `go`. */
export async function startTogether(workers: readonly Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.waitForLine('ready')));
  for (const w of workers) w.send('go');
}

/** Kills the workers a failed test left running (only those this helper started). */
export function killRunningWorkers(): void {
  for (const worker of running) worker.kill();
}

/** What test/fixtures/appender.mjs reports: each append's result, and any error it met. */
export interface AppenderReport {
  readonly results: readonly { revision: number; position: number; id: string }[];
  readonly errors: readonly unknown[];
}
