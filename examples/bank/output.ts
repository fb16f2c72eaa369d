// What the example prints: a heading per step and a line or two under it.
import { AnnalsError } from '../../src/index.js';
import { BankError, formatMoney, type AccountEvent } from './account.js';

export function heading(step: number, title: string): void {
  console.log(`\n${step}. ${title}`);
}

export function line(text: string): void {
  console.log(`   ${text}`);
}

/** "AccountOpened, MoneyDeposited 100.00" */
export function describeEvents(events: readonly AccountEvent[]): string {
  return events.map((e) => (e.type === 'AccountOpened' ? e.type : `${e.type} ${formatMoney(e.data.amount)}`)).join(', ');
}

/** One or two lines for a failure: the store's errors carry a code and a hint, the domain's a code. */
export function printFailure(error: unknown): void {
  if (error instanceof AnnalsError) {
    console.error(`\nerror ${error.code}: ${error.problem}\n  hint: ${error.hint}`);
  } else if (error instanceof BankError) {
    console.error(`\nrefused ${error.code}: ${error.message}`);
  } else {
    console.error('\nunexpected failure:', error);
  }
}
