/// <reference types="electron-vite/node" />
// ^ declares the `?nodeWorker` import used for the bundled worker below.
import type { Scenario } from '@core/scenario/schema'
import type { Rubric } from '@core/scoring/rubric'
import type { GoodPathRequest } from './goodPathSearch.worker'
import { runningFromSource, sourceWorkerFactory, WorkerThread, type WorkerFactory, type WorkerLimits } from './workerThread'

export interface GoodPathSearchOptions extends Partial<WorkerLimits> {
  /** Override how the worker is made (tests use this to run deliberately hostile workers). */
  createWorker?: WorkerFactory
}

/**
 * The good-path search (a state-space search, 1.0-1.4 s a scenario here) in a
 * worker thread, so main never blocks on it (ARCHITECTURE.md: searches that
 * take longer than a frame run in a worker). The worker lives only while
 * searches are waiting: the library asks once per scenario version, so an
 * idle thread would only hold memory.
 */
export class GoodPathSearcher {
  private readonly thread: WorkerThread<GoodPathRequest, string[]>
  private waiting = 0

  constructor(options: GoodPathSearchOptions = {}) {
    const { createWorker } = options
    this.thread = new WorkerThread({
      // The search is bounded by its state budget; the timeout is for a search that somehow is not.
      timeoutMs: options.timeoutMs ?? 60_000,
      // Every library scenario searches within a 48 MB heap (measured); the cap leaves room for larger ones.
      maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? 256,
      startupTimeoutMs: options.startupTimeoutMs ?? 15_000,
      createWorker: createWorker ? () => createWorker : goodPathWorkerFactory,
      isResult: (value): value is string[] => Array.isArray(value) && value.every((step) => typeof step === 'string'),
      wording: { name: 'the good-path search', task: 'the good-path search', overrunHint: 'the scenario may have far more states than the search allows' },
    })
  }

  /** The steps of the shortest call that scores 100 (empty if there is none), or why the search failed. */
  async search(scenario: Scenario, rubric: Rubric): Promise<{ ok: true; steps: string[] } | { ok: false; message: string }> {
    this.waiting++
    try {
      const outcome = await this.thread.run({ scenario, rubric })
      return outcome.ok ? { ok: true, steps: outcome.result } : outcome
    } finally {
      if (--this.waiting === 0) this.thread.close()
    }
  }

  close(): void {
    this.thread.close()
  }
}

// The entry is a variable, not a literal in `new URL('…', import.meta.url)`,
// so that Vite's asset handling leaves it alone.
const WORKER_SOURCE = './goodPathSearch.worker.ts'

/** Where the worker comes from: the .ts source through tsx, or the bundled chunk. */
export async function goodPathWorkerFactory(): Promise<WorkerFactory> {
  if (runningFromSource(import.meta.url)) return sourceWorkerFactory(new URL(WORKER_SOURCE, import.meta.url))
  // Bundled by electron-vite: its own chunk next to this one (as scenarioParser.ts does).
  const bundled = await import('./goodPathSearch.worker?nodeWorker')
  return bundled.default
}
