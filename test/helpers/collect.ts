/** Drains an async iterable into an array (for reads small enough to hold). */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** 0, 1, …, count - 1. */
export function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}
