/**
 * Like Promise.all, but settles every task before it throws (the first failure). A statement left
 * running after its sibling failed could commit after the retry began and change what the retry checks.
 */
export async function allSettledOrThrow<T>(tasks: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
