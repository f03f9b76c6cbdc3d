import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { compileScenario } from '@core/engine/compile'
import { bestGoodCall } from '@core/analysis/paths'
import { loadScenarioText } from '@core/scenario/loader'
import { describeAction } from '@core/session/describe'
import { actionOf } from '@core/session/events'
import { GoodPathSearcher, goodPathWorkerFactory } from './goodPathSearch'
import { loadRubric } from './rubric'
import type { WorkerFactory } from './workerThread'

const REPO = join(__dirname, '..', '..')
const rubric = loadRubric(join(REPO, 'scenarios', 'rubric.yaml'))
const libraryScenario = (id: string) => {
  const file = join(REPO, 'scenarios', 'library', `${id}.yaml`)
  return loadScenarioText(readFileSync(file, 'utf8'), file)
}

/** Counts turns of the event loop until stopped: a blocked main thread counts none. */
function eventLoopTurns(): { stop: () => number } {
  let turns = 0
  let running = true
  const turn = () => {
    if (!running) return
    turns++
    setImmediate(turn)
  }
  setImmediate(turn)
  return {
    stop: () => {
      running = false
      return turns
    },
  }
}

// Each search takes seconds on this shared machine (the state space of format 2); the default 30 s is not enough for two.
describe('GoodPathSearcher: the good-path search in a worker thread', { timeout: 180_000 }, () => {
  it('finds the same steps as the search run in process', async () => {
    const scenario = libraryScenario('routine-esim-transfer')
    const inProcess = bestGoodCall(compileScenario(scenario, rubric.policy), rubric)!.events.map((e) => describeAction(actionOf(e), scenario))
    const searcher = new GoodPathSearcher()
    expect(await searcher.search(scenario, rubric)).toEqual({ ok: true, steps: inProcess })
    expect(inProcess.at(-1)).toBe('End the call')
  })

  it('leaves the main thread free while it searches', async () => {
    const scenario = libraryScenario('routine-esim-transfer')
    const searcher = new GoodPathSearcher()
    // Run in process, the search returns before the event loop turns once.
    const blocking = eventLoopTurns()
    bestGoodCall(compileScenario(scenario, rubric.policy), rubric)
    expect(blocking.stop()).toBe(0)
    // In the worker, the loop keeps turning until the result arrives.
    const free = eventLoopTurns()
    const found = await searcher.search(scenario, rubric)
    expect(free.stop()).toBeGreaterThan(0)
    expect(found.ok && found.steps.length).toBeGreaterThan(0)
  })

  it('stops its worker once no search is waiting, and starts one again for the next', async () => {
    const exits: Array<Promise<number>> = []
    const searcher = new GoodPathSearcher({ createWorker: await recordingFactory(exits) })
    const scenario = libraryScenario('routine-esim-transfer')
    const [first, second] = await Promise.all([searcher.search(scenario, rubric), searcher.search(scenario, rubric)])
    expect(first).toEqual(second)
    expect(exits).toHaveLength(1) // both searches shared one worker
    expect(await exits[0]).toBe(1) // terminated, not left running
    await searcher.search(scenario, rubric)
    expect(exits).toHaveLength(2)
  })

  it('gives up on a search that overruns its budget, and says so', async () => {
    const spin = `const { parentPort } = require('node:worker_threads'); parentPort.postMessage({ type: 'ready' }); parentPort.on('message', () => { for (;;) {} })`
    const exits: Array<Promise<number>> = []
    const searcher = new GoodPathSearcher({ timeoutMs: 200, createWorker: await recordingFactory(exits, spin) })
    expect(await searcher.search(libraryScenario('routine-esim-transfer'), rubric)).toEqual({
      ok: false,
      message: 'the good-path search took longer than 0.2 s; the scenario may have far more states than the search allows',
    })
    expect(await exits[0]).toBe(1)
  })
})

/** The real worker (or one made from inline code), remembering when each one exits. */
async function recordingFactory(exits: Array<Promise<number>>, code?: string): Promise<WorkerFactory> {
  const real = await goodPathWorkerFactory()
  return (options: WorkerOptions) => {
    const worker = code === undefined ? real(options) : new Worker(code, { ...options, eval: true })
    exits.push(new Promise((resolve) => worker.once('exit', resolve)))
    return worker
  }
}
