// Run jobs a few at a time: `-j N` transfers share one Session (one connection pool, one
// token cache), so N bounds the connections and the files written at once.

/**
 * Call `work` for every item, at most `concurrency` at a time, in order of the list;
 * resolves when all have settled. `work` must not reject (each job reports its own failure).
 */
export async function runQueue<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  const workers = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
}
