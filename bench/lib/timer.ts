/** Monotonic time in nanoseconds. */
export function now(): bigint {
  return process.hrtime.bigint();
}

/** Nanoseconds elapsed since `start` (a value of now()). */
export function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

/** Lets timers and I/O callbacks run (progress redraws) between measuring rounds. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
