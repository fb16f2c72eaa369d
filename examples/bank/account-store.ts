// Where accounts live in the store: one stream per account, all in the category `account`.

export const ACCOUNT_CATEGORY = 'account';

/** Streams are named `account-<id>`. */
export function accountStream(accountId: string): string {
  return `${ACCOUNT_CATEGORY}-${accountId}`;
}
