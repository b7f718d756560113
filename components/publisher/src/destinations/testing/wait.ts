/**
 * Polls `cond` every `everyMs` until it holds. Gives up after `maxMs` (default 20 s, below jest's
 * 30 s test timeout) with an error naming what was awaited, so a stuck test says why.
 */
export async function waitUntil(cond: () => boolean | Promise<boolean>, everyMs = 25, what = 'a condition', maxMs = 20_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what} after ${maxMs} ms.`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
