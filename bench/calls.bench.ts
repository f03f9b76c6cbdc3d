import { join } from 'node:path'
import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import type { AgentAction } from '@core/session/events'
import { createServices } from '../src-main/services/index'
import { pickProfile } from '../src-main/services/testing/profiles'
import { makeTempDir, newSession, sampleEvent } from '../src-main/services/testing/storeFixtures'
import type { BenchResult } from './types'
import { median, percentile } from './types'

const CALLS = 10
const INTENTS_PER_CALL = 100
const WARM_UP = 20

/**
 * Main's own work per intent, in process under Node: CallService.act checks
 * the intent against the console view, stamps it, appends it durably (SQLite,
 * synchronous=FULL), advances the machine and derives the next view. The
 * append inside it is timed on its own, so the table separates main's work
 * (check, advance, view, and the store's own bookkeeping up to the commit)
 * from the wait for the disk. The baseline, interleaved in the same run on the
 * same disk, is a durable append alone (SessionStore.appendEvent on another
 * session), the part no console can do without.
 */
export async function benchCalls(): Promise<BenchResult> {
  const temp = makeTempDir('pretext-bench-calls-')
  const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)
  const services = await createServices({ dataDir: temp.dir, scenariosDir: join(__dirname, '..', 'scenarios'), parse })
  try {
    // Actions that keep the call going, so one call yields many intents (its transcript, and its view, grow).
    const cycle: AgentAction[] = [{ type: 'check-account' }, { type: 'notify-customer' }, { type: 'ask-pin' }, { type: 'flag-account' }]
    const { sessionId: bareSession } = services.store.createSession(newSession())
    let bareSeq = 0
    // Time the append inside act: the rest of act is main's own work.
    const store = services.store
    const append = store.appendEvent.bind(store)
    let inner = 0
    store.appendEvent = (id, event) => {
      const t = performance.now()
      try {
        return append(id, event)
      } finally {
        inner = performance.now() - t
      }
    }
    // Calls are recorded under the profile chosen on the connection, as the picker does.
    await pickProfile(services.api, 'Bench Trainee')
    const ownTimes: number[] = []
    const actTimes: number[] = []
    const appendTimes: number[] = []
    const lengths: number[] = []
    for (let c = 0; c < CALLS; c++) {
      const { session, view } = await services.api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'assessment' })
      let step = view.step
      for (let i = 0; i < INTENTS_PER_CALL; i++) {
        const action = cycle[i % cycle.length]!
        const t0 = performance.now()
        const next = services.calls.act(session.sessionId, step, action)
        const t1 = performance.now()
        const own = t1 - t0 - inner
        const t2 = performance.now()
        append(bareSession, sampleEvent(++bareSeq))
        const t3 = performance.now()
        step = next.step
        if (i >= WARM_UP || c > 0) {
          actTimes.push(t1 - t0)
          ownTimes.push(own)
          appendTimes.push(t3 - t2)
        }
        if (i === INTENTS_PER_CALL - 1) lengths.push(next.transcript.length)
      }
      await services.api['calls.end']({ sessionId: session.sessionId })
    }
    const p95 = percentile(actTimes, 0.95)
    const base95 = percentile(appendTimes, 0.95)
    return {
      name: `Main's work per intent (CallService.act under Node, ${actTimes.length} intents)`,
      rows: [
        { metric: 'durable append alone, p95 (baseline)', value: round(base95 * 1000), unit: 'µs' },
        { metric: 'check + append + advance + view, median', value: round(median(actTimes) * 1000), unit: 'µs', baseline: round(median(appendTimes) * 1000), ratio: round(median(actTimes) / median(appendTimes)) },
        { metric: 'check + append + advance + view, p95', value: round(p95 * 1000), unit: 'µs', baseline: round(base95 * 1000), ratio: round(p95 / base95) },
        { metric: "main's own work (all but the append), median", value: round(median(ownTimes) * 1000), unit: 'µs' },
        { metric: "main's own work (all but the append), p95", value: round(percentile(ownTimes, 0.95) * 1000), unit: 'µs', target: 'p95 < 1000 µs' },
        { metric: 'transcript lines in the view at the last intent of a call', value: Math.max(...lengths), unit: 'lines' },
      ],
    }
  } finally {
    services.close()
    temp.cleanup()
  }
}

const round = (n: number) => Math.round(n * 10) / 10
