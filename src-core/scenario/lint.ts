import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair } from 'yaml'
import { accountDataProblems } from './disclosure'
import { formatPath, nearest } from './loader'
import { shadowedBranchProblems } from './shadowing'
import { variationProblems } from './variation'
import { actionsOf, ENDED_STATE, startBeat, type Branch, type Choice, type Scenario } from './schema'
import { WITH_KEY_ACTION, type AgentActionType } from './vocabulary'

/**
 * The structural linter: what the schema cannot see of the format (every
 * `goto` lands on a beat, choices referenced exist, `with` fits its action,
 * every beat and ending can be written to be reached). It reads the file
 * alone; the safety properties, which need the engine and the scorer, live one
 * floor up (src-core/analysis/lint.ts, which runs these checks first).
 *
 * A dead end is a beat without an `ending` that nothing leads on from (no
 * branch, its own or a global one, goes to another beat), that has nothing of
 * its own (no `on`, no `choices`), and that the story moved into on purpose
 * (a `goto` from another beat). There the caller has nothing scripted and only
 * answers from the facts until the agent ends the call. Every beat can end
 * the call, so a beat whose only way out is ending the call is fine when
 * something happens in it; an empty one usually means a missing `ending` or
 * missing branches, so it is a warning.
 */

export type Severity = 'error' | 'warning'

export interface LintProblem {
  severity: Severity
  /** Where in the scenario, as the loader writes it: "beats.opening.on[2].goto"; "" for the whole file. */
  path: string
  message: string
  hint?: string
  /** 1-based, when the source text was given. */
  line?: number
  col?: number
  /** The actions of a call that shows the problem, one per line, when there is one. */
  counterexample?: string[]
}

export interface SourcePosition {
  line: number
  col: number
}

/** Maps a path in the scenario (as segments) to where it is written. */
export type SourcePositions = (path: ReadonlyArray<string | number>) => SourcePosition | null

type Segment = string | number
export type ProblemPath = Segment[]
type Path = ProblemPath

/** A problem before it is placed in the source: `at` is the path in the scenario, as segments. */
export interface PendingProblem extends Omit<LintProblem, 'path' | 'line' | 'col'> {
  at: ProblemPath
}

export interface StructureResult {
  problems: PendingProblem[]
  /** A problem that makes the scenario impossible to compile or walk (a missing beat): analysis must not run. */
  blocking: boolean
}


interface BranchAt {
  branch: Branch
  path: Path
  /** The beat it belongs to; null for a global branch. */
  beat: string | null
}

/** The structural checks alone, placed in the source when `source` is given. */
export function lintStructure(scenario: Scenario, options: { source?: SourcePositions } = {}): LintProblem[] {
  return placeProblems(structuralProblems(scenario).problems, options.source)
}

/** One problem, as the linters record it. */
export function problem(severity: Severity, at: ProblemPath, message: string, hint?: string, counterexample?: string[]): PendingProblem {
  return { severity, at, message, ...(hint !== undefined ? { hint } : {}), ...(counterexample ? { counterexample } : {}) }
}

/** Names each problem's path as the loader writes it, gives it a line and column, and sorts them by position. */
export function placeProblems(problems: readonly PendingProblem[], source?: SourcePositions): LintProblem[] {
  return problems
    .map(({ at, ...p }) => {
      const placed: LintProblem = { ...p, path: formatPath(at) }
      const pos = source?.(at)
      return pos ? { ...placed, line: pos.line, col: pos.col } : placed
    })
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0))
}

export function structuralProblems(scenario: Scenario): StructureResult {
  const problems: PendingProblem[] = []
  const add = (severity: Severity, at: Path, message: string, hint?: string) => problems.push(problem(severity, at, message, hint))

  const beatIds = Object.keys(scenario.beats)
  const didYouMean = (word: string, candidates: readonly string[]) => {
    const near = nearest(word, candidates)
    return near ? `did you mean '${near}'?` : undefined
  }
  const branches: BranchAt[] = [
    ...Object.entries(scenario.beats).flatMap(([beat, b]) => b.on.map((branch, i) => ({ branch, beat, path: ['beats', beat, 'on', i] as Path }))),
    ...scenario.on.map((branch, i) => ({ branch, beat: null, path: ['on', i] as Path })),
  ]
  let blocking = false

  // ---------- beat ids and targets ----------

  if (scenario.beats[ENDED_STATE]) {
    blocking = true
    add('error', ['beats', ENDED_STATE], `'${ENDED_STATE}' is reserved for the end of every call`, "rename this beat; to end the story here, give a beat an 'ending'")
  }
  if (scenario.start !== undefined && !scenario.beats[scenario.start]) {
    blocking = true
    add('error', ['start'], `start beat '${scenario.start}' is not defined`, didYouMean(scenario.start, beatIds) ?? `beats are ${list(beatIds)}`)
  }
  for (const { branch, path } of branches) {
    if (branch.goto === undefined) continue
    if (branch.goto === ENDED_STATE) {
      blocking = true
      add('error', [...path, 'goto'], `'${ENDED_STATE}' is reserved: the agent ends the call`, "to end the story here, go to a beat that has an 'ending'")
    } else if (!scenario.beats[branch.goto]) {
      blocking = true
      add('error', [...path, 'goto'], `goto target '${branch.goto}' is not a beat`, didYouMean(branch.goto, beatIds) ?? `beats are ${list(beatIds)}`)
    }
  }

  // ---------- choices ----------

  const duplicates = (choices: Choice[], at: Path) => {
    const seen = new Set<string>()
    choices.forEach((c, i) => {
      if (seen.has(c.id)) add('error', [...at, i, 'id'], `choice id '${c.id}' is used twice here`, 'give each phrasing its own id')
      seen.add(c.id)
    })
  }
  duplicates(scenario.choices, ['choices'])
  const globalIds = new Set(scenario.choices.map((c) => c.id))
  for (const [beat, b] of Object.entries(scenario.beats)) {
    duplicates(b.choices, ['beats', beat, 'choices'])
    b.choices.forEach((c, i) => {
      if (globalIds.has(c.id))
        add('warning', ['beats', beat, 'choices', i, 'id'], `choice id '${c.id}' is also a global choice; in this beat this one hides it`, 'give one of them another id')
    })
  }
  const allBeatChoiceIds = new Set(Object.values(scenario.beats).flatMap((b) => b.choices.map((c) => c.id)))

  // ---------- branches: with, choice references ----------

  for (const { branch, beat, path } of branches) {
    const actions = actionsOf(branch)
    for (const [key, value] of Object.entries(branch.with ?? {})) {
      if (value === undefined) continue
      const owner = WITH_KEY_ACTION[key]
      if (!owner) continue
      if (!actions.includes(owner)) {
        add(
          'error',
          [...path, 'with', key],
          `'with: { ${key}: ... }' belongs to ${owner}, but this branch is for ${list(actions)}`,
          `${list(actions)} ${actions.length > 1 ? 'take' : 'takes'} ${list(actions.map(withKeysOf).flat()) || 'no parameters'}; remove '${key}' or change the action`,
        )
      } else if (actions.length > 1) {
        const others = actions.filter((a) => a !== owner)
        add('warning', [...path, 'with', key], `this branch never fires for ${list(others)}: only ${owner} has '${key}'`, 'split the branch in two')
      }
    }
    const choice = branch.with?.choice
    if (choice !== undefined && actions.includes('say')) {
      const here = beat === null ? [...globalIds, ...allBeatChoiceIds] : [...(scenario.beats[beat]?.choices.map((c) => c.id) ?? []), ...globalIds]
      if (!here.includes(choice)) {
        const where = beat === null ? 'in any beat or among the global choices' : `in beat '${beat}' or among the global choices`
        add('error', [...path, 'with', 'choice'], `there is no choice '${choice}' ${where}`, didYouMean(choice, here) ?? (here.length ? `choices here are ${list(here)}` : 'add it to choices'))
      }
    }
  }

  // ---------- tactics ----------

  const declared = new Set(scenario.tactics)
  const undeclared = (tactics: readonly string[], at: Path) =>
    tactics.forEach((t, i) => {
      if (!declared.has(t as never))
        add('warning', [...at, i], `tactic '${t}' is used but not listed in the scenario's tactics`, `add it to the top-level 'tactics' so supervisors see it in the scenario list`)
    })
  for (const [beat, b] of Object.entries(scenario.beats)) undeclared(b.tactics, ['beats', beat, 'tactics'])
  for (const { branch, path } of branches) undeclared(branch.tactics, [...path, 'tactics'])

  // ---------- branches an earlier one always catches (./shadowing.ts) ----------

  problems.push(...shadowedBranchProblems(scenario))

  // ---------- variants: declared, used, and only where text may vary (./variation.ts) ----------

  problems.push(...variationProblems(scenario))

  // ---------- phrasings never show what the account panel hides (./disclosure.ts) ----------

  problems.push(...accountDataProblems(scenario))

  // ---------- reachability (static) ----------

  if (!blocking) {
    const start = startBeat(scenario)
    const globalTargets = scenario.on.map((b) => b.goto).filter((g): g is string => g !== undefined)
    const enteredFrom = new Map<string, Set<string>>()
    const next = (beat: string): string[] => {
      const b = scenario.beats[beat]
      if (!b || b.ending) return []
      return [...b.on.map((x) => x.goto).filter((g): g is string => g !== undefined), ...globalTargets]
    }
    const reached = new Set([start])
    const queue = [start]
    while (queue.length) {
      const beat = queue.shift()!
      for (const target of next(beat)) {
        if (target !== beat) {
          if (!enteredFrom.has(target)) enteredFrom.set(target, new Set())
          enteredFrom.get(target)!.add(beat)
        }
        if (!reached.has(target)) {
          reached.add(target)
          queue.push(target)
        }
      }
    }
    for (const [beat, b] of Object.entries(scenario.beats)) {
      if (reached.has(beat)) continue
      if (b.ending) add('warning', ['beats', beat], `ending '${beat}' can never be reached: no branch goes to it`, `add 'goto: ${beat}' to the branch that should end the call this way`)
      else add('warning', ['beats', beat], `beat '${beat}' can never be reached: no branch goes to it`, `add 'goto: ${beat}' to a branch, or remove the beat`)
    }
    for (const [beat, b] of Object.entries(scenario.beats)) {
      if (!reached.has(beat) || b.ending || b.on.length || b.choices.length) continue
      if (next(beat).some((t) => t !== beat)) continue
      if (!enteredFrom.get(beat)?.size) continue
      add(
        'warning',
        ['beats', beat],
        `beat '${beat}' is a dead end: nothing is scripted here and no branch leads on, so the caller only answers from the facts until the agent ends the call`,
        "if the call is over here, give it an 'ending'; otherwise add branches or choices for the agent",
      )
    }
  }

  return { problems, blocking }
}

function withKeysOf(action: AgentActionType): string[] {
  return Object.entries(WITH_KEY_ACTION)
    .filter(([, a]) => a === action)
    .map(([k]) => `'${k}'`)
}

function list(words: readonly string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}

// ---------- positions ----------

/**
 * Where each path is written in the source, for file:line:col. Parses the text
 * on its own (a scenario is a few KiB) rather than reusing the loader's tree,
 * which stays private to it. Points at a scalar value, or at the key of a
 * mapping, list or empty value; a path that is not written points at the
 * nearest part that is.
 */
export function sourcePositions(text: string): SourcePositions {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, keepSourceTokens: false })
  return (path) => {
    let node: unknown = doc.contents
    let best: number | null = rangeStart(node)
    for (const segment of path) {
      if (isMap(node)) {
        const pair = (node.items as Array<Pair<unknown, unknown>>).find((p) => isScalar(p.key) && String(p.key.value) === String(segment))
        if (!pair) break
        const value = pair.value
        // A scalar is pointed at itself; a mapping, list or empty value at its key, where an editor shows it.
        const atValue = isScalar(value) && !(value.value === null && !value.source)
        best = (atValue ? rangeStart(value) : rangeStart(pair.key)) ?? rangeStart(pair.key) ?? best
        node = value
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        node = node.items[segment]
        best = rangeStart(node) ?? best
      } else break
    }
    return best === null ? null : lineCounter.linePos(best)
  }
}

function rangeStart(node: unknown): number | null {
  const range = (node as YamlNode | null)?.range
  return range ? range[0] : null
}
