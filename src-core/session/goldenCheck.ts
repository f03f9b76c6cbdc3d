import type { z } from 'zod'
import { advance, startCall, type CallSnapshot, type CompiledScenario } from '../engine/compile'
import { ActionPayloads } from '../engine/events'
import { choicesAt, type TranscriptLine } from '../engine/world'
import { nearest } from '../scenario/loader'
import { AGENT_ACTIONS, type AgentActionType } from '../scenario/vocabulary'
import { OUTCOME_KINDS, type ScoreReport } from '../scoring/report'
import type { Rubric } from '../scoring/rubric'
import { scoreContext } from '../scoring/scorer'
import { GoldenTranscript, SINGLE_PARAM, TranscriptExpectation, TranscriptFile, transcriptEvents } from './transcript'

/**
 * Everything `check` asks of a golden transcript file, platform-free so the
 * command line and the app's workbench say the same thing:
 *
 * 1. the file as an author wrote it: every problem a sentence at a path (the
 *    caller turns the path into file:line:col), with a did-you-mean where a
 *    word is close to a valid one; never a raw schema dump;
 * 2. the replay: each action taken in the beat the call is in, so a phrasing
 *    the beat does not offer, or an action after the call ended, is an error;
 * 3. the expectation: the report the replay produces against the one the file
 *    states, with every difference spelt out (NOT MET).
 */

export type GoldenPath = Array<string | number>

export interface GoldenProblem {
  severity: 'error' | 'warning'
  /** Where in the transcript file, as segments: ['transcripts', 0, 'actions', 2]. */
  at: GoldenPath
  message: string
  hint?: string
  /** Further lines under the problem (the differences of a NOT MET). */
  detail?: string[]
}

export { OUTCOME_KINDS }

/** What each action parameter means, for "perform-hrt needs 'notify' (...)". */
const PARAMETER_HELP: Record<string, string> = {
  to: 'where the code goes',
  question: 'which knowledge question',
  field: 'which detail is confirmed',
  team: 'which team',
  path: 'which safe path',
  kind: 'which high-risk transaction',
  notify: 'true or false: whether the notice goes to the line and email of record (R11)',
  hold: 'true or false: whether the hold applies (R12)',
  target: 'what the change is to, when it is not what the caller asked for',
  choice: "the id of a phrasing the beat offers",
  items: 'a list of what the note records',
  text: 'the note text',
}

const PARAMETER_NOUNS: Record<string, string> = {
  to: 'code destination',
  question: 'knowledge question',
  field: 'detail',
  team: 'team',
  path: 'safe path',
  kind: 'transaction kind',
  items: 'note item',
}

// ---------- 1. the file as written ----------

export interface ReadGoldenFile {
  /** The file, when it has no errors. */
  file: TranscriptFile | null
  problems: GoldenProblem[]
}

/** Validates a transcript file's plain data (already parsed from YAML). */
export function readGoldenFile(value: unknown, known: { criticalFailures?: readonly string[]; deductions?: readonly string[] } = {}): ReadGoldenFile {
  const problems: GoldenProblem[] = []
  const error = (at: GoldenPath, message: string, hint?: string) => problems.push(hint === undefined ? { severity: 'error', at, message } : { severity: 'error', at, message, hint })

  if (!isRecord(value)) {
    error([], `a transcript file is a mapping with 'scenario' and 'transcripts', not ${describe(value)}`, 'start with "scenario: <the scenario id>" and "transcripts:"')
    return { file: null, problems }
  }
  // The actions first, with their own sentences; the schema's view of them is then skipped.
  const transcripts = Array.isArray(value.transcripts) ? value.transcripts : []
  transcripts.forEach((t, ti) => {
    if (!isRecord(t) || !Array.isArray(t.actions)) return
    t.actions.forEach((entry, ai) => {
      for (const p of actionEntryProblems(entry)) error(['transcripts', ti, 'actions', ai, ...p.at], p.message, p.hint)
    })
  })
  const parsed = TranscriptFile.safeParse(value)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const at = issue.path as GoldenPath
      if (at[0] === 'transcripts' && at[2] === 'actions' && at.length > 3) continue
      const p = describeIssue(issue, at, value)
      error(p.at, p.message, p.hint)
    }
  }
  if (problems.length || !parsed.success) return { file: null, problems }

  const file = parsed.data
  const names = new Set<string>()
  file.transcripts.forEach((t, ti) => {
    if (names.has(t.name)) error(['transcripts', ti, 'name'], `transcript name '${t.name}' is used twice`, 'give each transcript its own name')
    names.add(t.name)
    const e = t.expect
    if (e.outcome !== undefined && !(OUTCOME_KINDS as readonly string[]).includes(e.outcome))
      error(['transcripts', ti, 'expect', 'outcome'], `unknown outcome '${e.outcome}'`, didYouMean(e.outcome, OUTCOME_KINDS) ?? `outcomes are ${OUTCOME_KINDS.join(', ')}`)
    const ids = (list: string[], field: string, valid: readonly string[] | undefined) =>
      list.forEach((id, i) => {
        if (valid && !valid.includes(id)) error(['transcripts', ti, 'expect', field, i], `unknown rubric id '${id}'`, didYouMean(id, valid) ?? `ids here are ${valid.join(', ')}`)
      })
    ids(e.criticalFailures, 'criticalFailures', known.criticalFailures)
    ids(e.deductions, 'deductions', known.deductions)
    if (e.compliance === 'pass' && e.criticalFailures.length)
      error(['transcripts', ti, 'expect', 'compliance'], 'compliance cannot pass with critical failures expected', 'a critical failure fails compliance: write compliance: fail')
  })
  if (problems.length) return { file: null, problems }
  return { file, problems }
}

interface RelativeProblem {
  at: GoldenPath
  message: string
  hint?: string
}

const ACTION_FORMS = "write an action as its name ('ask-pin'), as 'name: value' ('send-otp: line-of-record') or as 'name: { ... }' with its parameters"

/** One entry of `actions`, in the author's words. */
function actionEntryProblems(entry: unknown): RelativeProblem[] {
  if (typeof entry === 'string') {
    if (!isAction(entry)) return [unknownAction(entry, [])]
    const required = requiredParameters(entry)
    if (required.length === 0) return []
    return [{ at: [], message: `${entry} needs ${list(required.map((k) => `'${k}'`))}`, hint: example(entry) }]
  }
  if (!isRecord(entry)) return [{ at: [], message: `expected an action, got ${describe(entry)}`, hint: ACTION_FORMS }]
  const keys = Object.keys(entry)
  if (keys.length !== 1) return [{ at: [], message: keys.length ? `one action per entry, found ${list(keys.map((k) => `'${k}'`))}` : 'an empty entry', hint: ACTION_FORMS }]
  const type = keys[0]!
  if (!isAction(type)) return [unknownAction(type, [type])]
  const value = entry[type]
  const shape = ActionPayloads[type].shape as Record<string, z.ZodType>
  const single = SINGLE_PARAM[type]
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    if (!single) {
      const params = Object.keys(shape)
      return [{ at: [type], message: params.length ? `${type} takes ${list(params.map((k) => `'${k}'`))}, not a single value` : `${type} takes no parameters`, hint: params.length ? example(type) : `write just '${type}'` }]
    }
    return parameterProblems(type, { [single]: value }, [type], single)
  }
  if (value === null) {
    const required = requiredParameters(type)
    return required.length ? [{ at: [type], message: `${type} needs ${list(required.map((k) => `'${k}'`))}`, hint: example(type) }] : []
  }
  if (!isRecord(value)) return [{ at: [type], message: `expected the parameters of ${type}, got ${describe(value)}`, hint: example(type) }]
  return parameterProblems(type, value, [type])
}

function parameterProblems(type: AgentActionType, params: Record<string, unknown>, at: GoldenPath, single?: string): RelativeProblem[] {
  const schema = ActionPayloads[type]
  const shape = schema.shape as Record<string, z.ZodType>
  const out: RelativeProblem[] = []
  const known = Object.keys(shape)
  for (const key of Object.keys(params)) {
    if (known.includes(key)) continue
    out.push({ at: [...at, key], message: `${type} has no parameter '${key}'`, hint: didYouMean(key, known) ?? (known.length ? `its parameters are ${list(known.map((k) => `'${k}'`))}` : `write just '${type}'`) })
  }
  for (const key of known) {
    if (key in params || shape[key]!.safeParse(undefined).success) continue
    out.push({ at, message: `${type} needs '${key}'${PARAMETER_HELP[key] ? `: ${PARAMETER_HELP[key]}` : ''}`, hint: example(type) })
  }
  for (const key of known) {
    if (!(key in params)) continue
    const result = shape[key]!.safeParse(params[key])
    if (result.success) continue
    const issue = result.error.issues[0]!
    const where = single ? at : [...at, key, ...(issue.path as GoldenPath)]
    const given = pathValue(params[key], issue.path as GoldenPath)
    if (issue.code === 'invalid_value') {
      const values = issue.values.filter((v): v is string => typeof v === 'string')
      const noun = PARAMETER_NOUNS[key] ?? `value for '${key}'`
      out.push({ at: where, message: `unknown ${noun} ${describe(given)} for ${type}`, hint: (typeof given === 'string' ? didYouMean(given, values) : null) ?? `expected one of: ${values.join(', ')}` })
    } else if (issue.code === 'invalid_type') {
      out.push({ at: where, message: `'${key}' of ${type} must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${describe(given)}`, hint: PARAMETER_HELP[key] })
    } else {
      out.push({ at: where, message: `'${key}' of ${type}: ${issue.message}` })
    }
  }
  return out
}

function unknownAction(word: string, at: GoldenPath): RelativeProblem {
  return { at, message: `unknown action '${truncate(word, 60)}'`, hint: didYouMean(word, AGENT_ACTIONS) ?? `actions are ${AGENT_ACTIONS.join(', ')}` }
}

function requiredParameters(type: AgentActionType): string[] {
  const shape = ActionPayloads[type].shape as Record<string, z.ZodType>
  return Object.keys(shape).filter((k) => !shape[k]!.safeParse(undefined).success)
}

const EXAMPLES: Partial<Record<AgentActionType, string>> = {
  'send-otp': 'send-otp: line-of-record',
  'ask-knowledge': 'ask-knowledge: dob',
  'confirm-detail': 'confirm-detail: address',
  escalate: 'escalate: fraud',
  'offer-safe-path': 'offer-safe-path: store-with-id',
  'check-id': 'check-id: scan',
  say: 'say: <choice id>',
  'perform-hrt': 'perform-hrt: { kind: sim-change, notify: true, hold: true }',
  note: 'note: { items: [factors, outcome], text: "PIN and code to the line of record; changed with notice." }',
}

function example(type: AgentActionType): string {
  return EXAMPLES[type] ? `write e.g. '${EXAMPLES[type]}'` : `write '${type}'`
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping (key: value lines)',
  array: 'a list',
}

/** A schema issue outside the actions, as a sentence. */
function describeIssue(issue: z.core.$ZodIssue, at: GoldenPath, root: unknown): RelativeProblem {
  const given = pathValue(root, at)
  const word = String([...at].reverse().find((s) => typeof s === 'string') ?? '')
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = keysAt(at)
      const key = issue.keys[0]!
      return { at: [...at, key], message: `unknown key '${truncate(key, 60)}'`, hint: didYouMean(key, allowed) ?? `allowed keys: ${allowed.join(', ')}` }
    }
    case 'invalid_value': {
      const values = issue.values.map(String)
      return { at, message: `unknown ${word || 'value'} ${describe(given)}`, hint: (typeof given === 'string' ? didYouMean(given, values) : null) ?? `expected one of: ${values.join(', ')}` }
    }
    case 'invalid_type': {
      if (given === undefined) return { at: at.slice(0, -1), message: `missing required key '${word}'`, hint: KEY_HELP[word] }
      const hint = issue.expected === 'string' && (typeof given === 'number' || typeof given === 'boolean') ? `put it in quotes: "${String(given)}"` : KEY_HELP[word]
      return { at, message: `'${word}' must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${describe(given)}`, ...(hint ? { hint } : {}) }
    }
    case 'too_small':
      return { at, message: `'${word}' ${issue.origin === 'array' ? 'needs at least one entry' : issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`}`, ...(KEY_HELP[word] ? { hint: KEY_HELP[word] } : {}) }
    case 'too_big':
      return { at, message: `'${word}' ${issue.origin === 'number' ? `must be at most ${String(issue.maximum)}` : 'is too long'}` }
    case 'invalid_format':
      return { at, message: `invalid ${word} ${describe(given)}`, ...(KEY_HELP[word] ? { hint: KEY_HELP[word] } : {}) }
    default:
      return { at, message: truncate(issue.message, 200) }
  }
}

const KEY_HELP: Record<string, string> = {
  scenario: 'the id of the scenario beside this file',
  transcripts: 'a list of play-throughs, each with name, description, kind, actions and expect',
  name: 'lower-case letters, digits and hyphens, e.g. "verify-and-swap"',
  description: 'one or two sentences: what the agent does and why it matters',
  kind: 'good or mistake',
  seed: 'a whole number; it fixes the codes and the variants',
  actions: 'the agent actions in order, e.g. [check-account, ask-pin, end-call]',
  expect: 'the report this call must produce: compliance, score, and optionally outcome, criticalFailures, deductions, exactDeductions, transcript',
  compliance: 'pass or fail',
  score: 'the overall score, 0 to 100',
  criticalFailures: 'a list of ids such as [CF1, CF2]',
  deductions: 'a list of rubric ids such as [A1, OUT-non-factor]',
  exactDeductions: 'true or false: no deductions beyond those listed',
  transcript: 'the call line by line ("caller: ...", "agent: ...", "system: ..."); play --update writes it',
}

/** The keys the format allows at a path (for did-you-mean). */
function keysAt(at: GoldenPath): string[] {
  const depth = at.length
  if (depth === 0) return Object.keys(TranscriptFile.shape)
  if (depth === 2) return Object.keys(GoldenTranscript.shape)
  if (depth === 3 && at[2] === 'expect') return Object.keys(TranscriptExpectation.shape)
  return []
}

// ---------- 2 and 3. replay and expectation ----------

export interface GoldenResult {
  name: string
  index: number
  report: ScoreReport
  lines: readonly TranscriptLine[]
  /** Empty when the report is what the file expects. */
  differences: string[]
}

export interface GoldenCheck {
  problems: GoldenProblem[]
  results: GoldenResult[]
}

/**
 * Replays every transcript of a valid file against the compiled scenario and
 * compares each report with its expectation. A difference is an error at the
 * transcript's `expect`, its lines the differences.
 */
export function replayGoldenFile(compiled: CompiledScenario, rubric: Rubric, file: TranscriptFile): GoldenCheck {
  const problems: GoldenProblem[] = []
  const results: GoldenResult[] = []
  const scenario = compiled.scenario
  if (file.scenario !== scenario.id)
    problems.push({ severity: 'error', at: ['scenario'], message: `this file is for '${file.scenario}', but the scenario beside it is '${scenario.id}'`, hint: `write scenario: ${scenario.id}` })
  file.transcripts.forEach((t, ti) => {
    const events = transcriptEvents(t.actions)
    let snapshot: CallSnapshot = startCall(compiled, t.seed)
    let over = false
    for (const [i, event] of events.entries()) {
      const at = ['transcripts', ti, 'actions', i]
      if (snapshot.status !== 'active' && !over) {
        over = true
        const beat = snapshot.context.beat
        problems.push({ severity: 'warning', at, message: `the call is already over here (it ended in '${beat}' at action ${i}), so this and the following actions do nothing`, hint: 'remove them, or change the earlier actions so the call goes on' })
      }
      if (!over && event.type === 'say') {
        const offered = choicesAt(scenario, snapshot.context.beat).map((c) => c.id)
        if (!offered.includes(event.choice)) {
          const exists = Object.values(scenario.beats).some((b) => b.choices.some((c) => c.id === event.choice))
          const message = exists
            ? `the call is in beat '${snapshot.context.beat}' here, which does not offer the phrasing '${event.choice}'`
            : `there is no choice '${event.choice}' in ${scenario.id}`
          problems.push({ severity: 'error', at, message, hint: didYouMean(event.choice, offered) ?? (offered.length ? `phrasings offered here: ${offered.join(', ')}` : 'no phrasing is offered here') })
        }
      }
      snapshot = advance(compiled, snapshot, event)
    }
    const report = scoreContext(scenario, rubric, snapshot.context, events.length)
    const lines = snapshot.context.transcript
    const differences = compareExpectation(report, lines, t.expect)
    results.push({ name: t.name, index: ti, report, lines, differences })
    if (differences.length)
      problems.push({ severity: 'error', at: ['transcripts', ti, 'expect'], message: `transcript '${t.name}': NOT MET`, detail: differences })
  })
  return { problems, results }
}

/** A call line as golden transcripts record it: "caller: ...", "agent: ...", "system: ...". */
export function goldenLine(line: TranscriptLine): string {
  return `${line.speaker}: ${line.text}`
}

/** Every way a report differs from what a transcript expects, one sentence each; empty when it is met. */
export function compareExpectation(report: ScoreReport, lines: readonly TranscriptLine[], expect: GoldenTranscript['expect']): string[] {
  const out: string[] = []
  const deductions = report.deductions.filter((d) => !d.item.startsWith('CF'))
  const lost = deductions.map((d) => `${d.item} -${d.points}`).join(', ') || 'none'
  if (report.compliance !== expect.compliance) out.push(`compliance: expected ${expect.compliance}, got ${report.compliance}`)
  if (report.score !== expect.score) out.push(`score: expected ${expect.score}, got ${report.score} (deductions: ${lost})`)
  if (expect.outcome !== undefined && report.outcome.kind !== expect.outcome) out.push(`outcome: expected ${expect.outcome}, got ${report.outcome.kind}`)
  const cfs = [...new Set(report.criticalFailures.map((c) => c.id))].sort()
  const wantCfs = [...new Set(expect.criticalFailures)].sort()
  if (cfs.join() !== wantCfs.join()) out.push(`critical failures: expected [${wantCfs.join(', ')}], got [${cfs.join(', ')}]`)
  const items = new Set(deductions.map((d) => d.item))
  const missing = expect.deductions.filter((d) => !items.has(d))
  if (missing.length) out.push(`deductions: expected ${missing.join(', ')} among them, got ${lost}`)
  if (expect.exactDeductions) {
    const extra = [...items].filter((d) => !expect.deductions.includes(d))
    if (extra.length) out.push(`deductions: ${extra.join(', ')} not expected (exactDeductions); got ${lost}`)
  }
  if (expect.transcript) {
    const got = lines.map(goldenLine)
    for (let i = 0; i < Math.max(got.length, expect.transcript.length); i++) {
      if (got[i] === expect.transcript[i]) continue
      out.push(`line ${i + 1}: expected ${JSON.stringify(expect.transcript[i] ?? '(the end of the call)')}`, `        got ${JSON.stringify(got[i] ?? '(the end of the call)')}`)
      break
    }
  }
  return out
}

// ---------- words ----------

function isAction(word: string): word is AgentActionType {
  return (AGENT_ACTIONS as readonly string[]).includes(word)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function pathValue(root: unknown, path: GoldenPath): unknown {
  let node = root
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment]
    else if (isRecord(node) && typeof segment === 'string' && Object.hasOwn(node, segment)) node = node[segment]
    else return undefined
  }
  return node
}

function didYouMean(word: string, candidates: readonly string[]): string | null {
  const near = nearest(word, candidates)
  return near && near !== word ? `did you mean '${near}'?` : null
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (typeof value === 'string') return `'${truncate(value, 60)}'`
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return 'a list'
  return 'a mapping'
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function list(words: readonly string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}
