import { describe, expect, it } from 'vitest';
import { commandEventId } from './event-ids.js';

describe('commandEventId', () => {
  it('derives the same version-5 UUID from the same stream, command id and index', () => {
    const id = commandEventId('account-1', 'cmd-1', 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(commandEventId('account-1', 'cmd-1', 0)).toBe(id);
  });

  it('derives different ids for another index, command id or stream', () => {
    const ids = [
      commandEventId('account-1', 'cmd-1', 0),
      commandEventId('account-1', 'cmd-1', 1),
      commandEventId('account-1', 'cmd-2', 0),
      commandEventId('account-2', 'cmd-1', 0),
      // The parts are kept apart: moving text across the boundary gives another name.
      commandEventId('account-1c', 'md-1', 0),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});
