import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { searchGoodPath } from '@core/analysis/paths'
import { compileScenario } from '@core/engine/compile'
import type { SessionEvent } from '@core/engine/events'
import { loadScenarioText } from '@core/scenario/loader'
import { scoreSession } from '@core/scoring/scorer'
import { TEST_RUBRIC } from '@core/testing/scenarios'

/** Issue 7, case 10: "what a good agent would have done" is a whole call the scorer gives 100. */
describe('issue 7', () => {
  it('case 10: the good path is a whole call that scores 100 on the scorer, every step in it', () => {
    const dir = new URL('../scenarios/library/', import.meta.url)
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.transcripts.yaml'))) {
      const s = loadScenarioText(readFileSync(new URL(file, dir), 'utf8'), file)
      const c = compileScenario(s, TEST_RUBRIC.policy)
      const good = searchGoodPath(c, TEST_RUBRIC).best!
      const replayed = scoreSession(c, TEST_RUBRIC, 1, good.events)
      expect(replayed.score, file).toBe(100)
      expect(replayed.deductions, file).toEqual([])
      // It ends the call (an unfinished call has no verdict) and the report lists exactly these steps.
      expect(good.events.at(-1)!.type === 'end-call' || replayed.ended, file).toBe(true)
      // The steps the report lists are the call: replaying them is what scored 100 above.
      expect(good.events.every((e: SessionEvent, i) => e.seq === i + 1), file).toBe(true)
    }
  }, 300_000)

})
