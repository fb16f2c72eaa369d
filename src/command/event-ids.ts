import { createHash } from 'node:crypto';

/**
 * The namespace of the event ids derived from command ids (a fixed random UUID). Changing it
 * would make every retry of a command handled before the change append its events again.
 */
export const COMMAND_EVENT_ID_NAMESPACE = '7c1f3a52-5d0b-4e4c-9a37-2f86b1d0e8a4';

const namespaceBytes = Buffer.from(COMMAND_EVENT_ID_NAMESPACE.replaceAll('-', ''), 'hex');

/**
 * The id of the `index`-th event that the command `commandId` produces in `stream`: a name-based
 * UUID (version 5: SHA-1 of the namespace and the name), so the same command decided again gets
 * the same ids and the store recognises the append as a retry. The stream is part of the name,
 * so one command id used on two streams never collides with itself.
 */
export function commandEventId(stream: string, commandId: string, index: number): string {
  const name = JSON.stringify([stream, commandId, index]);
  const hash = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
