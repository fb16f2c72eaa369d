import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI: tests run it as users do, in a child process (`npm test` builds dist first). */
export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Text written to the child's stdin (stdin is closed either way). */
  readonly input?: string;
  /** Environment overrides; `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A temporary directory (the children's cwd) with its own SQLite file, given to them through ANNALS_STORE. */
export class Workspace {
  readonly storeUrl: string;
  private readonly started = new Set<Running>();

  private constructor(readonly dir: string) {
    this.storeUrl = `sqlite:${join(dir, 'events.db')}`;
  }

  static async create(): Promise<Workspace> {
    return new Workspace(await mkdtemp(join(tmpdir(), 'annals-cli-')));
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return this.start(args, options).exited;
  }

  /** Starts the CLI without waiting for it: for `tail`. */
  start(args: readonly string[], options: RunOptions = {}): Running {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: this.dir, env: this.env(options.env), stdio: 'pipe' });
    // A child that exits without reading its input must not fail the test with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    const running = new Running(child);
    this.started.add(running);
    return running;
  }

  /** Runs a shell pipeline in the workspace; `annals` in it runs the built CLI. */
  shell(script: string): Promise<RunResult> {
    const child = spawn('bash', ['-c', `set -o pipefail; annals() { "${process.execPath}" "${CLI}" "$@"; }; ${script}`], {
      cwd: this.dir,
      env: this.env(),
      stdio: 'pipe',
    });
    child.stdin.end();
    const running = new Running(child);
    this.started.add(running);
    return running.exited;
  }

  /** Ends every process a failed test left running, then removes the directory. */
  async cleanup(): Promise<void> {
    for (const running of this.started) running.stop();
    await Promise.allSettled([...this.started].map((running) => running.exited));
    await rm(this.dir, { recursive: true, force: true });
  }

  private env(overrides: RunOptions['env'] = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ANNALS_STORE: this.storeUrl };
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    return env;
  }
}

/** A CLI process under way, with its output collected as it comes. */
export class Running {
  stdout = '';
  stderr = '';
  readonly exited: Promise<RunResult>;
  private readonly listeners = new Set<() => void>();
  /** Set when the process has exited and its output streams have ended. */
  private closed = false;

  constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => this.received(() => (this.stdout += text)));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => this.received(() => (this.stderr += text)));
    this.exited = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        this.closed = true;
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
        this.received(() => {});
      });
    });
  }

  /** Resolves when the collected output satisfies `ready`; fails if the process ends first. */
  waitFor(ready: (output: { stdout: string; stderr: string }) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready(this)) {
          this.listeners.delete(check);
          resolve();
        } else if (this.closed) {
          this.listeners.delete(check);
          reject(new Error(`the process ended first:\nstdout: ${this.stdout}\nstderr: ${this.stderr}`));
        }
      };
      this.listeners.add(check);
      check();
    });
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Closes the reading end of the child's stdout, as `head` does when it has read enough. */
  closeStdout(): void {
    this.child.stdout!.destroy();
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGKILL, if it is still running. */
  stop(): void {
    if (!this.closed && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private received(append: () => void): void {
    append();
    for (const listener of [...this.listeners]) listener();
  }
}

/** The lines of `--json` output, parsed. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
