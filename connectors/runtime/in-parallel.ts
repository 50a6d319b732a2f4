/**
 * Runs `work` on each item, at most `limit` at a time, and resolves once all are done. A rejection does not stop the
 * others: the first is thrown once every item is done (callers that must go on past one item's failure catch it in
 * `work`, as reconciliation does per connector).
 */
export async function forEachInParallel<T>(
  items: Iterable<T>,
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  const queue = [...items];
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < queue.length) {
      const item = queue[next++]!;
      await work(item).catch((error: unknown) => errors.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, worker));
  if (errors.length > 0) throw errors[0];
}
