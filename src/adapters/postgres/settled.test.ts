import { describe, expect, it } from 'vitest';
import { Settled } from './settled.js';

type Look = { head: number; holders: string[] };

/** A Settled whose looks at the appenders the test answers by hand, in any order. */
function settledWithManualLooks() {
  const answers: ((look: Look) => void)[] = [];
  const settled = new Settled(() => new Promise<Look>((resolve) => answers.push(resolve)));
  return { settled, answer: (index: number, look: Look) => answers[index]!(look) };
}

describe('Settled', () => {
  it('settles a pending head only with a look started after the head was recorded, whatever order the answers come in', async () => {
    const { settled, answer } = settledWithManualLooks();
    // Two reads look at once. The first answer records head 10, with appender A still running.
    const first = settled.check();
    const second = settled.check();
    answer(0, { head: 10, holders: ['A'] });
    await first;
    expect({ value: settled.value, pending: settled.pending }).toEqual({ value: 0, pending: true });
    // The second look started before that head was recorded: its list (B only) may have been
    // taken before A took its position, so it says nothing of A. Settling 10 here would hand out
    // positions below A's while A can still commit.
    answer(1, { head: 5, holders: ['B'] });
    await second;
    expect({ value: settled.value, pending: settled.pending }).toEqual({ value: 0, pending: true });
    // A look started after the head was recorded, and A is gone from the lock's holders: 10 is settled.
    const third = settled.check();
    answer(2, { head: 12, holders: ['B'] });
    await third;
    expect(settled.value).toBe(10);
  });

  it('keeps a pending head while a look started after it still lists one of its appenders', async () => {
    const { settled, answer } = settledWithManualLooks();
    const first = settled.check();
    answer(0, { head: 7, holders: ['A', 'B'] });
    await first;
    const second = settled.check();
    answer(1, { head: 9, holders: ['B', 'C'] });
    await second;
    expect({ value: settled.value, pending: settled.pending }).toEqual({ value: 0, pending: true });
    const third = settled.check();
    answer(2, { head: 9, holders: [] });
    await third;
    expect({ value: settled.value, pending: settled.pending }).toEqual({ value: 9, pending: false });
  });
});
