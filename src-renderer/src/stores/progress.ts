/** How often a screen asks main how far long work has got while it waits for the answer. */
export const PROGRESS_EVERY_MS = 250

/**
 * Waits for `answer`, and meanwhile asks `poll` how far main has got, every
 * PROGRESS_EVERY_MS, handing each figure to `report` until `poll` answers
 * null (nothing running) or the answer arrives; `report(null)` at the end.
 * A failed poll only stops the polling: the answer is what counts.
 */
export async function withProgress<T, P>(answer: Promise<T>, poll: () => Promise<P | null>, report: (progress: P | null) => void): Promise<T> {
  let settled = false
  const watching = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 0))
    while (!settled) {
      const progress = await poll().catch(() => null)
      if (settled || progress === null) break
      report(progress)
      await new Promise((resolve) => setTimeout(resolve, PROGRESS_EVERY_MS))
    }
  })()
  try {
    return await answer
  } finally {
    settled = true
    await watching
    report(null)
  }
}
