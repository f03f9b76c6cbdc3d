import { replay, type CompiledScenario } from '@core/engine/compile'
import type { TranscriptLine } from '@core/engine/world'
import type { ScoreReport } from '@core/scoring/report'
import type { Rubric } from '@core/scoring/rubric'
import { scoreSession } from '@core/scoring/scorer'
import { transcriptEvents, type GoldenTranscript, type TranscriptFile } from '@core/session/transcript'

/**
 * Golden transcripts replayed against their scenario: the one code path for
 * `scenarios play --transcript` (src-main/cli) and the app's workbench, so
 * both say "met" or "NOT MET" for the same reasons.
 */

/** A call line as golden transcripts record it: "caller: ...", "agent: ...", "system: ...". */
export function transcriptLine(line: TranscriptLine): string {
  return `${line.speaker}: ${line.text}`
}

export function transcriptLines(lines: readonly TranscriptLine[]): string[] {
  return lines.map(transcriptLine)
}

export interface GoldenReplay {
  transcript: GoldenTranscript
  seed: number
  report: ScoreReport
  lines: TranscriptLine[]
}

/** Replays each transcript of a file (all, or those `chosen`), with its own seed unless `seed` overrides it. */
export function replayGoldenTranscripts(compiled: CompiledScenario, rubric: Rubric, transcripts: TranscriptFile['transcripts'], seed?: number): GoldenReplay[] {
  return transcripts.map((t) => {
    const callSeed = seed ?? t.seed
    const events = transcriptEvents(t.actions)
    const snapshot = replay(compiled, callSeed, events)
    return { transcript: t, seed: callSeed, report: scoreSession(compiled, rubric, callSeed, events), lines: snapshot.context.transcript }
  })
}

export interface ExpectationCheck {
  ok: boolean
  lines: string[]
}

/** How a played transcript compares with what its golden file expects. */
export function checkExpectation(report: ScoreReport, lines: readonly TranscriptLine[], expect: GoldenTranscript['expect']): ExpectationCheck {
  const problems: string[] = []
  if (report.compliance !== expect.compliance) problems.push(`compliance is ${report.compliance}, expected ${expect.compliance}`)
  if (report.score !== expect.score) problems.push(`score is ${report.score}, expected ${expect.score}`)
  if (expect.outcome !== undefined && report.outcome.kind !== expect.outcome) problems.push(`outcome is ${report.outcome.kind}, expected ${expect.outcome}`)
  const cfs = [...new Set(report.criticalFailures.map((c) => c.id))].sort()
  const wantCfs = [...new Set(expect.criticalFailures)].sort()
  if (cfs.join() !== wantCfs.join()) problems.push(`critical failures are [${cfs.join(', ')}], expected [${wantCfs.join(', ')}]`)
  const items = new Set(report.deductions.filter((d) => !d.item.startsWith('CF')).map((d) => d.item))
  const missing = expect.deductions.filter((d) => !items.has(d))
  if (missing.length) problems.push(`missing deductions: ${missing.join(', ')}`)
  if (expect.exactDeductions) {
    const extra = [...items].filter((d) => !expect.deductions.includes(d))
    if (extra.length) problems.push(`unexpected deductions: ${extra.join(', ')}`)
  }
  if (expect.transcript) {
    const got = transcriptLines(lines)
    const at = firstDifference(got, expect.transcript)
    if (at !== null) problems.push(`transcript differs at line ${at + 1}: got ${JSON.stringify(got[at] ?? '(end)')}, expected ${JSON.stringify(expect.transcript[at] ?? '(end)')}`)
  }
  return problems.length
    ? { ok: false, lines: ['Expected by the golden transcript: NOT MET', ...problems.map((p) => `  ${p}`)] }
    : { ok: true, lines: ['Expected by the golden transcript: met'] }
}

function firstDifference(a: readonly string[], b: readonly string[]): number | null {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i
  return null
}
