import cliProgress from 'cli-progress';

/** One step of a run (a case, a fixture fill) as the user watches it. */
export interface Task {
  /** `fraction` from 0 to 1. */
  update(fraction: number, status: string): void;
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
        done(summary) {
          bar.stop();
          stream.write(`${label}: ${summary}\n`);
        },
      };
    },
    note: (line) => void stream.write(`${line}\n`),
  };
}
