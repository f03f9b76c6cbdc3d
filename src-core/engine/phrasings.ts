import type { Choice, Scenario } from '../scenario/schema'
import { mix32 } from './random'
import { choicesAt } from './world'

/**
 * The order the trainee sees a beat's phrasings in: the beat's own and the
 * global ones, shuffled by the session seed and the beat, so the good answer
 * is not always key 1 (authors tend to write it first). The log records the
 * choice's id, never its position, so the order changes nothing in replay
 * or scoring; it is still a pure function of (seed, beat), so a replayed
 * session shows the same keys as the live one.
 */
export function offeredPhrasings(scenario: Scenario, beat: string, seed: number): Choice[] {
  const choices = choicesAt(scenario, beat)
  const salt = beatHash(beat)
  // Fisher-Yates, drawing from the engine's seeded mix (never Math.random).
  for (let i = choices.length - 1; i > 0; i--) {
    const j = mix32((seed ^ salt) >>> 0, PHRASING_STREAM + i) % (i + 1)
    ;[choices[i], choices[j]] = [choices[j]!, choices[i]!]
  }
  return choices
}

/** Keeps these draws apart from the one-time codes' (which use counters from 0). */
const PHRASING_STREAM = 0x5a17

/** FNV-1a over the beat id: a different order in each beat of the same call. */
function beatHash(beat: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < beat.length; i++) h = Math.imul(h ^ beat.charCodeAt(i), 0x01000193) >>> 0
  return h
}
