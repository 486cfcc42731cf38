/**
 * Asks `count` again every `pollMs` (250 ms) until it answers 0 or `timeoutMs` passed; returns the last
 * answer. For what the engine removes or stops shortly after a statement returns (dropped parts and their
 * objects, killed queries).
 */
export async function waitUntilNone(count: () => Promise<number>, timeoutMs: number, pollMs = 250): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await count();
    if (left === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
