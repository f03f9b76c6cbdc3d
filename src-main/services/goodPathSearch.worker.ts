// The worker side of goodPathSearch.ts: "what a good agent would have done",
// searched over the scenario's states in a thread of its own, so Electron's
// main thread keeps serving the window while it runs (about a second a
// scenario). Relative imports, not @core: in source mode this file runs under
// tsx's require hook, which reads no path aliases (the bundle resolves either way).
import { parentPort } from 'node:worker_threads'
import { compileScenario } from '../../src-core/engine/compile'
import { bestGoodCall } from '../../src-core/analysis/paths'
import type { Scenario } from '../../src-core/scenario/schema'
import type { Rubric } from '../../src-core/scoring/rubric'
import { describeAction } from '../../src-core/session/describe'
import { actionOf } from '../../src-core/session/events'
import type { WorkerMessage } from './workerThread'

export interface GoodPathRequest {
  scenario: Scenario
  rubric: Rubric
}

/** The good path as the steps a trainee reads; empty when the search finds none. */
export type GoodPathMessage = WorkerMessage<string[]>

function goodPathSteps({ scenario, rubric }: GoodPathRequest): string[] {
  const compiled = compileScenario(scenario, rubric.policy)
  const found = bestGoodCall(compiled, rubric)
  return found ? found.events.map((e) => describeAction(actionOf(e), scenario)) : []
}

const port = parentPort
if (!port) throw new Error('goodPathSearch.worker runs only as a worker thread')
port.on('message', (request: GoodPathRequest) => {
  const message: GoodPathMessage = { type: 'result', result: goodPathSteps(request) }
  port.postMessage(message)
})
port.postMessage({ type: 'ready' } satisfies GoodPathMessage)
