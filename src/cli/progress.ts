import cliProgress from 'cli-progress';

/** One step of long work (a check of the log, a benchmark case) as the user watches it. */
export interface Task {
  /** `fraction` from 0 to 1. */
  update(fraction: number, status: string): void;
  /** Writes lines of output while the task runs: a bar is cleared first and drawn again after. */
  above(write: () => Promise<void>): Promise<void>;
  done(summary: string): void;
}

export interface Progress {
  task(label: string): Task;
  note(line: string): void;
}

/**
 * Progress on `stream`: a bar per task when it is a terminal, otherwise one plain line when a
 * task starts and one when it ends (logs and pipes stay readable).
 */
export function createProgress(stream: NodeJS.WriteStream): Progress {
  return stream.isTTY ? barProgress(stream) : lineProgress(stream);
}

function lineProgress(stream: NodeJS.WriteStream): Progress {
  return {
    task(label) {
      stream.write(`${label} …\n`);
      return {
        update() {},
        above: (write) => write(),
        done: (summary) => void stream.write(`${label}: ${summary}\n`),
      };
    },
    note: (line) => void stream.write(`${line}\n`),
  };
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  return {
    task(label) {
      const bar = new cliProgress.SingleBar(
        { stream, format: `${label} [{bar}] {percentage}% {status}`, barsize: 24, clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(1000, 0, { status: '' });
      return {
        update: (fraction, status) => bar.update(Math.round(fraction * 1000), { status }),
        async above(write) {
          // The bar is drawn again on its line below at its next update.
          stream.write('\r\x1b[2K');
          await write();
        },
        done(summary) {
          bar.stop();
          stream.write(`${label}: ${summary}\n`);
        },
      };
    },
    note: (line) => void stream.write(`${line}\n`),
  };
}
