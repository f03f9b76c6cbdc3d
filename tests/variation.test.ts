import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { compileScenario, replay } from '@core/engine/compile'
import { realiseScenario, variantPicks } from '@core/engine/variation'
import { lintStructure } from '@core/scenario/lint'
import { loadScenarioText } from '@core/scenario/loader'
import { scoreSession } from '@core/scoring/scorer'
import { TranscriptFile, transcriptEvents } from '@core/session/transcript'
import { loadRubric } from '../src-main/services/rubric'

/**
 * Variation: the seed picks each variant, so calls differ between sessions,
 * replay exactly from their seed, and never differ in what the call does or
 * how it is scored (variants reach only text; src-core/scenario/variation.ts).
 */

const root = fileURLToPath(new URL('..', import.meta.url))
const rubric = loadRubric(join(root, 'scenarios/rubric.yaml'))
const id = 'call-log-and-top-up'
const text = readFileSync(join(root, `scenarios/library/${id}.yaml`), 'utf8')
const scenario = loadScenarioText(text, `${id}.yaml`)
const golden = TranscriptFile.parse(parse(readFileSync(join(root, `scenarios/library/${id}.transcripts.yaml`), 'utf8')))
const compiled = compileScenario(scenario, rubric.policy)
const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1)

describe('variation', () => {
  it('declares variants in a library scenario', () => {
    expect(Object.keys(scenario.variants).length).toBeGreaterThan(1)
  })

  it.each(golden.transcripts.map((t) => [t.name, t] as const))('%s: every seed scores the same, while the call is heard differently', (_name, t) => {
    const events = transcriptEvents(t.actions)
    const judged = (seed: number) => {
      const r = scoreSession(compiled, rubric, seed, events)
      return { score: r.score, compliance: r.compliance, outcome: r.outcome.kind, deductions: r.deductions.map((d) => `${d.item}@${d.seq}`), cfs: r.criticalFailures.map((c) => c.id) }
    }
    const first = judged(1)
    for (const seed of SEEDS) expect(judged(seed)).toEqual(first)
    const heard = new Set(SEEDS.map((seed) => replay(compiled, seed, events).context.transcript.find((l) => l.speaker === 'caller')!.text))
    expect(heard.size).toBeGreaterThan(3)
    for (const line of heard) expect(line).not.toMatch(/\{[a-z-]+\}/)
  })

  it('replays a session exactly from its seed', () => {
    const events = transcriptEvents(golden.transcripts[0]!.actions)
    for (const seed of [3, 17, 40]) expect(replay(compiled, seed, events).context.transcript).toEqual(replay(compiled, seed, events).context.transcript)
  })

  it('shows the console the same picks as the call (account details, phrasings)', () => {
    for (const seed of SEEDS.slice(0, 10)) {
      const shown = realiseScenario(scenario, seed)
      expect(shown.account.lastPayment).toBe(`${variantPicks(scenario, seed)['top-up']} top-up yesterday`)
      const spoken = replay(compiled, seed, transcriptEvents([{ 'ask-knowledge': 'last-payment' }])).context.transcript
      expect(spoken.some((l) => l.text.includes(shown.account.lastPayment!))).toBe(true)
    }
  })

  describe('the linter proves variants cannot change the machine', () => {
    const problems = (edit: (t: string) => string) => lintStructure(loadScenarioText(edit(text), `${id}.yaml`)).map((p) => `${p.severity} ${p.path}: ${p.message}`)

    it('refuses a placeholder where text does not merely vary (the title, read before a seed exists)', () => {
      expect(problems((t) => t.replace('title: A new SIM for a prepaid line', 'title: A new SIM for {called}'))).toContainEqual(expect.stringMatching(/^error title: a variant cannot be used here/))
    })

    it('refuses an undeclared variant, and warns about an unused one', () => {
      const found = problems((t) => t.replaceAll('{when}', '{wen}'))
      expect(found).toContainEqual(expect.stringMatching(/^error beats\.opening\.say: '\{wen\}' is not a declared variant/))
      expect(found).toContainEqual(expect.stringMatching(/^warning variants\.when: variant 'when' is never used/))
    })
  })
})
