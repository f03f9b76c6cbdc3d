import type { TranscriptLine } from '@core/engine/world'
import type { ScoreReport } from '@core/scoring/report'
import { compareExpectation, goldenLine } from '@core/session/goldenCheck'
import type { GoldenTranscript } from '@core/session/transcript'

/**
 * The terminal rendering of a call and its score, shared by `play` (live and
 * from a transcript) and by the golden-transcript checks, so an author sees
 * the same report whichever way the call was made.
 */

/** A call line as golden transcripts record it: "caller: ...", "agent: ...", "system: ...". */
export const transcriptLine = goldenLine

export function transcriptLines(lines: readonly TranscriptLine[]): string[] {
  return lines.map(transcriptLine)
}

const SPEAKERS: Record<TranscriptLine['speaker'], string> = { caller: 'Caller', agent: 'You   ', system: 'System', policy: 'Policy' }

/** A call line as the terminal shows it while playing, with the caller's tactics. */
export function renderCallLine(line: TranscriptLine): string {
  const tactics = line.tactics.length ? `  [${line.tactics.join(', ')}]` : ''
  return `${SPEAKERS[line.speaker]}  ${line.text}${tactics}`
}

const OUTCOME_LABELS: Record<string, string> = {
  'served-safely': 'served safely',
  'denied-with-safe-path': 'denied with a safe path',
  denied: 'denied',
  'hrt-performed': 'high-risk change made',
  compromised: 'compromised',
  abandoned: 'not finished',
}

/** The score report: result, critical failures, sections, deductions, tactics. */
export function renderReport(report: ScoreReport): string[] {
  const out: string[] = []
  const outcome = OUTCOME_LABELS[report.outcome.kind] ?? report.outcome.kind
  out.push(`Score ${report.score} / 100   compliance ${report.compliance.toUpperCase()}   outcome: ${outcome}`)
  out.push(`  ${report.outcome.label}`)
  if (report.compliance === 'fail' && report.weightedScore !== report.score) out.push(`  (the weighted items came to ${report.weightedScore}; a critical failure makes it 0)`)
  if (report.criticalFailures.length) {
    out.push('', 'Critical failures')
    for (const c of report.criticalFailures) out.push(`  ${c.id} (${c.rule}) at step ${c.seq}: ${c.message}`)
  }
  out.push('', 'Sections')
  for (const s of report.sections) {
    const items = s.items.map((i) => `${i.id} ${fmt(i.score)}/${i.max}${i.applicable ? '' : ' n/a'}`).join('  ')
    out.push(`  ${s.id} ${s.title.padEnd(30)} ${`${fmt(s.score)}/${s.max}`.padStart(7)}   ${items}`)
  }
  const lost = report.deductions.filter((d) => !d.item.startsWith('CF'))
  if (lost.length) {
    out.push('', 'Deductions')
    for (const d of lost) out.push(`  ${`-${fmt(d.points)}`.padStart(6)}  ${d.item} (${d.rule})${d.seq !== null ? ` at step ${d.seq}` : ''}: ${d.message}`)
  }
  if (report.tactics.length) {
    out.push('', 'Tactics')
    const seen = new Map<string, boolean>()
    for (const t of report.tactics) seen.set(t.tactic, (seen.get(t.tactic) ?? true) && t.countered)
    out.push(`  ${[...seen].map(([t, countered]) => `${t} ${countered ? '(resisted)' : '(fell for it)'}`).join(', ')}`)
  }
  return out
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1)
}

export interface ExpectationCheck {
  ok: boolean
  lines: string[]
}

/** How a played transcript compares with what its golden file expects (the differences are the core's, as `check` prints them). */
export function checkExpectation(report: ScoreReport, lines: readonly TranscriptLine[], expect: GoldenTranscript['expect']): ExpectationCheck {
  const differences = compareExpectation(report, lines, expect)
  return differences.length
    ? { ok: false, lines: ['Expected by the golden transcript: NOT MET', ...differences.map((p) => `  ${p}`)] }
    : { ok: true, lines: ['Expected by the golden transcript: met'] }
}
