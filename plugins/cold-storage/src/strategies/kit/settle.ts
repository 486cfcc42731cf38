/**
 * Like Promise.all, but settles every task before it throws (the first failure). A statement left
 * running after its sibling failed could commit after the retry began and change what the retry checks.
 */
export async function allSettledOrThrow<T extends readonly unknown[]>(tasks: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  // Each result is its task's, in order: a tuple of tasks gives the tuple of their values.
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
