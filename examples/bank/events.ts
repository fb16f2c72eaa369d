// The bank's event types: one schema per type (zod here; any Standard Schema validator works),
// the version of each shape, and the upcasters from older versions. The store validates every
// appended event against them and hands out old events in today's shape (docs/commands.md).
import { z } from 'zod';
import { defineEvents, type EventsOf } from '../../src/index.js';

const cents = z.number().int().positive();

export const bankEvents = defineEvents({
  // Version 1 had no currency: every account was in euros.
  AccountOpened: {
    schema: z.object({ owner: z.string().min(1), currency: z.string().regex(/^[A-Z]{3}$/) }),
    version: 2,
    upcast: { 1: (v1: { owner: string }) => ({ ...v1, currency: 'EUR' }) },
  },
  MoneyDeposited: { schema: z.object({ amount: cents }) },
  MoneyWithdrawn: { schema: z.object({ amount: cents }) },
  TransferSent: { schema: z.object({ transferId: z.uuid(), to: z.string(), amount: cents }) },
  TransferReceived: { schema: z.object({ transferId: z.uuid(), from: z.string(), amount: cents }) },
});

/** Every event of an account, in its current shape: the types come from the schemas. */
export type AccountEvent = EventsOf<typeof bankEvents>;
