import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { EventDecodeError, InvalidArgumentError } from '../core/errors.js';
import { defineEvents, type EventsOf } from './event-schemas.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type { RecordedEvent } from '../core/types.js';
import { checkEvent, upcastEvent } from './upcast.js';

const schemas = defineEvents({
  AccountOpened: {
    schema: z.object({ owner: z.string(), currency: z.string(), overdraft: z.number() }),
    version: 3,
    upcast: {
      1: (v1: { name: string }) => ({ owner: v1.name }),
      2: (v2: { owner: string }) => ({ ...v2, currency: 'EUR', overdraft: 0 }),
    },
  },
  MoneyDeposited: { schema: z.object({ amount: z.number().int().positive() }) },
});

function stored(type: string, data: unknown, metadata: Record<string, unknown> = {}): RecordedEvent {
  return { id: '00000000-0000-4000-8000-000000000001', type, data: data as never, metadata: metadata as never, stream: 'account-1', revision: 4, position: 9, recordedAt: new Date(0) };
}

describe('defineEvents', () => {
  it('infers the union of current event shapes', () => {
    type Events = EventsOf<typeof schemas>;
    expectTypeOf<Extract<Events, { type: 'MoneyDeposited' }>['data']>().toEqualTypeOf<{ amount: number }>();
    expectTypeOf<Events['type']>().toEqualTypeOf<'AccountOpened' | 'MoneyDeposited'>();
  });

  it('refuses a definition without a Standard Schema', () => {
    expect(() => defineEvents({ A: { schema: { parse: () => 1 } as unknown as StandardSchemaV1 } })).toThrow(InvalidArgumentError);
    expect(() => defineEvents({ A: { schema: { parse: () => 1 } as unknown as StandardSchemaV1 } })).toThrow(/definitions\.A\.schema/);
  });

  it('refuses a version that is not an integer >= 1', () => {
    for (const version of [0, -1, 1.5, Number.NaN]) {
      expect(() => defineEvents({ A: { schema: z.null(), version } })).toThrow(/definitions\.A\.version/);
    }
  });

  it('needs an upcaster from every older version, and no other', () => {
    expect(() => defineEvents({ A: { schema: z.null(), version: 3, upcast: { 1: (d: unknown) => d } } })).toThrow(/upcast\[2\]/);
    expect(() => defineEvents({ A: { schema: z.null(), version: 2, upcast: { 1: (d: unknown) => d, 2: (d: unknown) => d } } })).toThrow(
      /only from the versions below/,
    );
    expect(() => defineEvents({ A: { schema: z.null(), upcast: { 0: (d: unknown) => d } } })).toThrow(/only from the versions below/);
  });

  it('refuses options that are not { strict?: boolean }', () => {
    expect(() => defineEvents({}, { strict: 'yes' as unknown as boolean })).toThrow(InvalidArgumentError);
  });
});

describe('upcastEvent', () => {
  it('applies every upcaster from the stored version up, in order', () => {
    const event = upcastEvent(schemas, stored('AccountOpened', { name: 'Ada' }));
    expect(event.data).toEqual({ owner: 'Ada', currency: 'EUR', overdraft: 0 });
    expect(event.metadata.schemaVersion).toBe(3);
  });

  it('starts from the recorded version', () => {
    const event = upcastEvent(schemas, stored('AccountOpened', { owner: 'Ada' }, { schemaVersion: 2, userId: 'u1' }));
    expect(event.data).toEqual({ owner: 'Ada', currency: 'EUR', overdraft: 0 });
    expect(event.metadata).toEqual({ schemaVersion: 3, userId: 'u1' });
  });

  it('hands out current and unregistered events unchanged (the same object)', () => {
    const current = stored('AccountOpened', { owner: 'Ada', currency: 'USD', overdraft: 5 }, { schemaVersion: 3 });
    expect(upcastEvent(schemas, current)).toBe(current);
    const other = stored('SomethingElse', { x: 1 });
    expect(upcastEvent(schemas, other)).toBe(other);
  });

  it('refuses an event written by a newer version of the type', () => {
    const event = stored('AccountOpened', {}, { schemaVersion: 4 });
    expect(() => upcastEvent(schemas, event)).toThrow(EventDecodeError);
    expect(() => upcastEvent(schemas, event)).toThrow(/version 4, newer than the schema's version 3/);
  });

  it('refuses a recorded version that is not a version', () => {
    for (const version of ['2', 0, 1.5]) {
      const error = (() => {
        try {
          upcastEvent(schemas, stored('AccountOpened', {}, { schemaVersion: version }));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(EventDecodeError);
      expect(error).toMatchObject({ code: 'ANNALS_EVENT_UNDECODABLE', version, stream: 'account-1', revision: 4, position: 9 });
    }
  });

  it('reports an upcaster that throws, with the step and the cause', () => {
    const broken = defineEvents({
      A: {
        schema: z.object({}),
        version: 2,
        upcast: {
          1: () => {
            throw new Error('boom');
          },
        },
      },
    });
    expect(() => upcastEvent(broken, stored('A', {}))).toThrow(/upcaster from version 1 to 2 threw: boom/);
  });
});

describe('checkEvent', () => {
  it('accepts an old event that upcasts into the current schema', async () => {
    expect(await checkEvent(schemas, stored('AccountOpened', { name: 'Ada' }))).toEqual({ status: 'ok' });
  });

  it('fails an old event whose upcast result the current schema refuses, naming the fields', async () => {
    const result = await checkEvent(schemas, stored('AccountOpened', { name: 42 }));
    expect(result).toMatchObject({ status: 'failed', issues: [{ field: 'data.owner' }] });
  });

  it('fails an event that cannot be upcast', async () => {
    expect(await checkEvent(schemas, stored('AccountOpened', {}, { schemaVersion: 7 }))).toMatchObject({ status: 'failed', reason: /newer/ });
  });

  it('says when a type has no schema', async () => {
    expect(await checkEvent(schemas, stored('Unknown', {}))).toEqual({ status: 'unregistered' });
  });

  it('awaits asynchronous schemas', async () => {
    const asyncSchema: StandardSchemaV1<unknown, unknown> = {
      '~standard': { version: 1, vendor: 'test', validate: async (value) => (value === 1 ? { value } : { issues: [{ message: 'not one' }] }) },
    };
    const async = defineEvents({ One: { schema: asyncSchema } });
    expect(await checkEvent(async, stored('One', 1))).toEqual({ status: 'ok' });
    expect(await checkEvent(async, stored('One', 2))).toMatchObject({ status: 'failed', issues: [{ field: 'data', message: 'not one' }] });
  });
});
