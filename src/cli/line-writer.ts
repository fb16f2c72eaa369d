/** Thrown when stdout's reader has gone away (EPIPE): the command stops quietly. */
export class OutputClosedError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('stdout was closed by its reader', options);
    this.name = 'OutputClosedError';
  }
}

/**
 * Writes lines to a stream with back-pressure: a write that fills the stream's buffer
 * waits for it to drain, so a slow reader holds the command back instead of memory growing.
 * A write error (EPIPE when `annals read-all | head` closes the pipe) is remembered and
 * surfaces as OutputClosedError at the next write, instead of crashing the process.
 */
export class LineWriter {
  private failure: Error | undefined;

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  async write(text: string): Promise<void> {
    this.check();
    if (!this.stream.write(`${text}\n`)) await this.drained();
    this.check();
  }

  private check(): void {
    if (this.failure === undefined) return;
    const code = (this.failure as NodeJS.ErrnoException).code;
    if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') throw new OutputClosedError({ cause: this.failure });
    throw this.failure;
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
  }
}
