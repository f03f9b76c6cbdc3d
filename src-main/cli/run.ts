// The authoring command line:  npm run scenarios -- <command> ...
//
//   check <paths...>                 load (in the worker parser), lint and prove the safety
//                                    properties; validate the golden transcripts beside each file
//   play <file> [--seed n]           play a call in the terminal, then see the score report
//   play <file> --transcript <t> [--name n] [--update]
//                                    play a golden transcript non-interactively; --update
//                                    (re)writes its expected transcript lines
//   graph <file>                     the beats as a Mermaid flowchart, on stdout
//   paths <file>                     endings reached, the best call (said plainly), a shortest path
//                                    to each critical failure, exploration figures
//   check --watch <paths...>         check, then check again whenever a file there changes
//   new <id> [--dir <folder>]        a commented scenario and its transcripts that pass check
//
// Exit status: 0 fine, 1 a problem was found (an error, or an expectation not met), 2 usage.
//
// `run(argv, io)` is the whole command line; index.ts only hands it the
// process's streams, so the tests drive it in process with buffers.
import { existsSync, mkdirSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml'
import { advance, compileScenario, replay, startCall, type CallSnapshot, type CompiledScenario } from '@core/engine/compile'
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_STATES, exploreScenario, searchGoodPath, type ExploreOptions } from '@core/analysis/paths'
import { offeredPhrasings } from '@core/engine/phrasings'
import { realiseScenario } from '@core/engine/variation'
import { sourcePositions, type LintProblem } from '@core/scenario/lint'
import { lintScenario } from '@core/analysis/lint'
import { DEFAULT_MAX_BYTES, nearest, type ScenarioProblem } from '@core/scenario/loader'
import type { Scenario } from '@core/scenario/schema'
import { ANY_BEAT_NODE, beatGraph } from '@core/analysis/beatGraph'
import {
  ACTION_LABELS,
  AGENT_ACTIONS,
  channelOffers,
  DISCLOSABLE_FIELDS,
  DISCLOSABLE_LABELS,
  ESCALATION_TEAMS,
  HRT_KINDS,
  HRT_LABELS,
  ID_CHECK_LABELS,
  ID_CHECK_METHODS,
  KNOWLEDGE_LABELS,
  KNOWLEDGE_QUESTIONS,
  NOTE_ITEM_LABELS,
  NOTE_ITEMS,
  OTP_DESTINATION_LABELS,
  OTP_DESTINATIONS,
  SAFE_PATH_LABELS,
  SAFE_PATHS,
  TEAM_LABELS,
  type AgentActionType,
  type NoteItem,
} from '@core/scenario/vocabulary'
import { rubricIds, type Rubric } from '@core/scoring/rubric'
import { scoreContext, scoreSession } from '@core/scoring/scorer'
import { describeAction } from '@core/session/describe'
import { actionOf, type AgentAction, type SessionEvent } from '@core/session/events'
import { readGoldenFile, replayGoldenFile, type GoldenProblem } from '@core/session/goldenCheck'
import { TRANSCRIPT_START_AT, TRANSCRIPT_STEP_MS, TranscriptFile, transcriptEvents } from '@core/session/transcript'
import { writeFileAtomic } from '../services/atomicWrite'
import { loadRubric } from '../services/rubric'
import { ScenarioParser } from '../services/scenarioParser'
import { readUntrustedFile } from '../services/untrustedFile'
import { checkExpectation, renderCallLine, renderReport, transcriptLines } from './report'
import { scaffoldScenario, scaffoldTranscripts } from './scaffold'

const USAGE = `Usage: npm run scenarios -- <command> [options]

  check <paths...> [--watch]        lint scenario files (and folders of them) and replay their golden
                                    transcripts; --watch checks again on every save
  new <id> [--dir <folder>]         write <id>.yaml and <id>.transcripts.yaml, a working call to start
                                    from (default folder scenarios/library)
  play <file> [--seed n]            play a call in the terminal
  play <file> --transcript <file> [--name <n>] [--update]
                                    play a golden transcript and print its report; --update rewrites
                                    the transcript's expected lines
  graph <file>                      the beats as a Mermaid flowchart
  paths <file> [--max-states n] [--max-depth n]
                                    endings, the best call, paths to critical failures

Options: --rubric <file> (default scenarios/rubric.yaml)`

class UsageError extends Error {}

/** Where a command reads and writes: the process's own streams from the bin entry, buffers in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  /** Answers for `play` without `--transcript`, one per line. */
  stdin: NodeJS.ReadableStream
  /** What relative paths on the command line are relative to. */
  cwd: string
  /** Ends a long-running command (check --watch): Ctrl-C from the bin entry, the test's controller in tests. */
  signal?: AbortSignal
}

/** One command's context: its io, and one warm parser worker for every file it reads. */
class Cli {
  readonly parser = new ScenarioParser()

  constructor(readonly io: CliIo) {}

  readonly log = (text: string) => void this.io.stdout.write(`${text}\n`)
  readonly error = (text: string) => void this.io.stderr.write(`${text}\n`)
  /** An argument's absolute path. */
  readonly path = (file: string) => resolve(this.io.cwd, file)
  /** A file as it is named in messages: relative to the working folder. */
  readonly display = (file: string) => relative(this.io.cwd, this.path(file)) || file
}

/** Runs one command and answers its exit status; never throws and never exits the process. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const cli = new Cli(io)
  try {
    return await main(cli, argv)
  } catch (error) {
    if (error instanceof UsageError) {
      cli.error(`error: ${error.message}\n\n${USAGE}`)
      return 2
    }
    cli.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
    return 1
  } finally {
    cli.parser.close()
  }
}

async function main(cli: Cli, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      seed: { type: 'string' },
      transcript: { type: 'string' },
      name: { type: 'string' },
      update: { type: 'boolean' },
      watch: { type: 'boolean' },
      dir: { type: 'string' },
      rubric: { type: 'string' },
      'max-states': { type: 'string' },
      'max-depth': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [command, ...rest] = positionals
  if (values.help || !command) {
    cli.log(USAGE)
    return command || values.help ? 0 : 2
  }
  const rubricPath = values.rubric === undefined ? defaultRubricPath(cli) : cli.path(values.rubric)
  let rubric: Rubric
  try {
    rubric = loadRubric(rubricPath)
  } catch (error) {
    // A rubric that cannot be used is a problem in a file, reported like one (not a stack trace).
    cli.error(`${cli.display(rubricPath)}:1:1: error: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
  const explore: ExploreOptions = {
    maxStates: intOption(values['max-states'], '--max-states') ?? DEFAULT_MAX_STATES,
    maxDepth: intOption(values['max-depth'], '--max-depth') ?? DEFAULT_MAX_DEPTH,
    now: () => performance.now(),
  }
  const seed = intOption(values.seed, '--seed')
  switch (command) {
    case 'check':
      if (!rest.length) throw new UsageError('check needs at least one file or folder')
      if (values.watch) return watchCheck(cli, rest, rubric, rubricPath, explore)
      return check(cli, rest, rubric, rubricPath, explore)
    case 'new':
      return scaffold(cli, one(rest, 'new', 'an id'), values.dir ?? 'scenarios/library')
    case 'play': {
      const file = one(rest, 'play')
      if (values.transcript) return playTranscript(cli, file, values.transcript, rubric, { name: values.name, update: values.update ?? false, seed })
      if (values.update || values.name) throw new UsageError('--name and --update go with --transcript')
      return playInteractive(cli, file, rubric, seed ?? 1)
    }
    case 'graph':
      return graph(cli, one(rest, 'graph'), rubric)
    case 'paths':
      return paths(cli, one(rest, 'paths'), rubric, explore)
    default:
      throw new UsageError(`unknown command '${command}'${suggest(command, ['check', 'play', 'graph', 'paths', 'new'])}`)
  }
}

function one(rest: string[], command: string, what = 'one scenario file'): string {
  if (rest.length !== 1) throw new UsageError(`${command} takes ${what}`)
  return rest[0]!
}

function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} takes a whole number, not '${value}'`)
  return n
}

function suggest(word: string, candidates: readonly string[]): string {
  const near = nearest(word, candidates)
  return near ? `; did you mean '${near}'?` : ''
}

function defaultRubricPath(cli: Cli): string {
  const here = cli.path('scenarios/rubric.yaml')
  if (existsSync(here)) return here
  return fileURLToPath(new URL('../../scenarios/rubric.yaml', import.meta.url))
}

// ---------- loading ----------

type Loaded = { ok: true; scenario: Scenario; text: string; file: string } | { ok: false; errors: ScenarioProblem[]; file: string }

/** The one loader, in its worker (scenario files are untrusted). */
async function loadScenarioFile(cli: Cli, path: string): Promise<Loaded> {
  const file = cli.display(path)
  // Only a regular file within the size cap, checked before reading: a FIFO or /dev/zero must not hang the run.
  const read = readUntrustedFile(cli.path(path), DEFAULT_MAX_BYTES)
  if (!read.ok) return { ok: false, file, errors: [{ file, line: 1, col: 1, path: '', message: read.message }] }
  const bytes = read.bytes
  const result = await cli.parser.parse(bytes, file)
  if (!result.ok) return { ok: false, file, errors: result.errors }
  return { ok: true, file, scenario: result.scenario, text: bytes.toString('utf8') }
}

async function loadOrReport(cli: Cli, path: string): Promise<{ scenario: Scenario; text: string; file: string } | null> {
  const loaded = await loadScenarioFile(cli, path)
  if (loaded.ok) return loaded
  for (const e of loaded.errors) cli.error(problemLine(e.file, e.line, e.col, 'error', e.message, e.path, e.hint))
  return null
}

function problemLine(file: string, line: number, col: number, severity: string, message: string, path: string, hint?: string): string {
  return `${file}:${line}:${col}: ${severity}: ${message}${path ? ` at ${path}` : ''}${hint ? `; ${hint}` : ''}`
}

// ---------- check ----------

/** Scenario files, transcript files and the rubric share folders; in a folder, the rubric is not a scenario. */
function collect(cli: Cli, paths: string[], rubricPath: string): { scenarios: string[]; transcripts: string[]; missing: string[] } {
  const scenarios: string[] = []
  const transcripts: string[] = []
  const missing: string[] = []
  const add = (file: string) => (file.endsWith('.transcripts.yaml') ? transcripts : scenarios).push(file)
  const rubric = cli.path(rubricPath)
  for (const given of paths) {
    const p = cli.path(given)
    if (!existsSync(p)) {
      missing.push(given)
      continue
    }
    if (statSync(p).isDirectory()) {
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
          const full = join(dir, entry.name)
          if (entry.isDirectory()) walk(full)
          else if ((entry.name.endsWith('.yaml') || entry.name.endsWith('.yml')) && full !== rubric && entry.name !== 'rubric.yaml') add(full)
        }
      }
      walk(p)
    } else add(p)
  }
  // A transcript file is checked against the scenario beside it, so that scenario is loaded too.
  for (const t of transcripts) {
    const beside = t.replace(/\.transcripts\.yaml$/, '.yaml')
    if (existsSync(beside) && !scenarios.includes(beside)) scenarios.push(beside)
  }
  return { scenarios, transcripts, missing }
}

/** Transcript files sit beside their scenario: airport-stolen-phone.yaml and airport-stolen-phone.transcripts.yaml. */
const transcriptsBeside = (scenarioFile: string) => scenarioFile.replace(/\.ya?ml$/, '.transcripts.yaml')

async function check(cli: Cli, paths: string[], rubric: Rubric, rubricPath: string, explore: ExploreOptions): Promise<number> {
  const { scenarios, transcripts, missing } = collect(cli, paths, rubricPath)
  let errors = 0
  let warnings = 0
  const print = (severity: 'error' | 'warning', line: string, extra: string[] = []) => {
    if (severity === 'error') errors++
    else warnings++
    ;(severity === 'error' ? cli.error : cli.log)([line, ...extra.map((l) => `    ${l}`)].join('\n'))
  }
  for (const m of missing) print('error', `${m}: error: no such file or folder`)
  // Parse in parallel (one worker each); lint in order so the output reads top to bottom.
  const loaded = await inBatches(scenarios, 2, (file) => loadScenarioFile(cli, file))
  const ids = new Map<string, string>()
  const byFile = new Map<string, Scenario>()
  /** Scenarios with errors: their transcripts are read but not replayed (the machine may not compile). */
  const broken = new Set<string>()
  for (const result of loaded) {
    if (!result.ok) {
      for (const e of result.errors) print('error', problemLine(e.file, e.line, e.col, 'error', e.message, e.path, e.hint))
      broken.add(cli.path(result.file))
      continue
    }
    const { scenario, text, file } = result
    byFile.set(cli.path(file), scenario)
    const other = ids.get(scenario.id)
    if (other) print('error', problemLine(file, 1, 1, 'error', `scenario id '${scenario.id}' is already used by ${other}`, 'id'))
    ids.set(scenario.id, file)
    const started = performance.now()
    let problems: LintProblem[]
    try {
      problems = lintScenario(scenario, rubric, { source: sourcePositions(text), explore })
    } catch (error) {
      // A bug in the engine must not hide the other files' results.
      print('error', problemLine(file, 1, 1, 'error', `lint failed: ${error instanceof Error ? error.message : String(error)}`, ''))
      continue
    }
    const ms = Math.round(performance.now() - started)
    if (problems.some((p) => p.severity === 'error')) broken.add(cli.path(file))
    for (const p of problems) print(p.severity, problemLine(file, p.line ?? 1, p.col ?? 1, p.severity, p.message, p.path, p.hint), p.counterexample ? ['a call that shows it:', ...p.counterexample] : [])
    if (ms > 2000) cli.log(`${file}: note: lint took ${ms} ms`)
  }
  const transcriptFiles = new Set(transcripts)
  for (const s of scenarios) if (existsSync(transcriptsBeside(s))) transcriptFiles.add(transcriptsBeside(s))
  for (const t of [...transcriptFiles].sort()) {
    const scenarioFile = [...byFile.keys()].find((s) => transcriptsBeside(s) === t)
    const replayable = scenarioFile !== undefined && !broken.has(scenarioFile)
    if (scenarioFile === undefined && [...broken].some((s) => transcriptsBeside(s) === t)) {
      cli.log(`${cli.display(t)}: note: not replayed until the scenario beside it has no errors`)
      continue
    }
    for (const p of await checkTranscriptFile(cli, t, scenarioFile ? byFile.get(scenarioFile)! : null, rubric, replayable)) print(p.severity, p.line, p.extra)
    if (scenarioFile !== undefined && !replayable) cli.log(`${cli.display(t)}: note: not replayed until the scenario beside it has no errors`)
  }
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`
  const summary = `Checked ${n(scenarios.length, 'scenario')} and ${n(transcriptFiles.size, 'transcript file')}: ${n(errors, 'error')}, ${n(warnings, 'warning')}.`
  ;(errors ? cli.error : cli.log)(summary)
  return errors ? 1 : 0
}

/** How long after the last change a re-check waits: editors write a file in several steps. */
const WATCH_DEBOUNCE_MS = 150

/**
 * check, then check again after every change under the given paths (one
 * debounced run per burst of saves), until the io's signal aborts. Each run
 * prints its results and the summary line, as a single check does.
 */
async function watchCheck(cli: Cli, paths: string[], rubric: Rubric, rubricPath: string, explore: ExploreOptions): Promise<number> {
  let last = await check(cli, paths, rubric, rubricPath, explore)
  const signal = cli.io.signal
  if (signal?.aborted) return last
  const watchers: FSWatcher[] = []
  let timer: ReturnType<typeof setTimeout> | null = null
  let running: Promise<void> = Promise.resolve()
  const again = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      running = running.then(async () => {
        if (signal?.aborted) return
        cli.log('')
        cli.log('Changed: checking again.')
        try {
          last = await check(cli, paths, rubric, rubricPath, explore)
        } catch (error) {
          // One bad run must not end the watch: say so and wait for the next save.
          cli.error(`check failed: ${error instanceof Error ? error.message : String(error)}`)
          last = 1
        }
      })
    }, WATCH_DEBOUNCE_MS)
  }
  // Each folder is watched on its own, not with { recursive: true }: on Linux, Node 20 sets a
  // recursive watch up asynchronously, so a save right after "Watching" could go unseen.
  const watchFolder = (dir: string) => {
    watchers.push(watch(dir, again))
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) watchFolder(join(dir, entry.name))
  }
  for (const given of paths) {
    const p = cli.path(given)
    if (!existsSync(p)) continue
    if (statSync(p).isDirectory()) watchFolder(p)
    else watchers.push(watch(p, again))
  }
  cli.log(`Watching ${paths.join(', ')} for changes (Ctrl-C to stop).`)
  await new Promise<void>((done) => {
    if (!signal) return // without a signal, until the process is stopped
    signal.addEventListener('abort', () => done(), { once: true })
  })
  for (const w of watchers) w.close()
  if (timer) clearTimeout(timer)
  await running
  return last
}

// ---------- new ----------

async function scaffold(cli: Cli, id: string, dir: string): Promise<number> {
  if (!/^[a-z][a-z0-9-]*$/.test(id)) throw new UsageError(`'${id}' is not a scenario id: start with a letter, then lower-case letters, digits and hyphens, e.g. "lost-phone-abroad"`)
  const folder = cli.path(dir)
  const scenarioFile = join(folder, `${id}.yaml`)
  const transcriptFile = join(folder, `${id}.transcripts.yaml`)
  for (const f of [scenarioFile, transcriptFile]) {
    if (existsSync(f)) {
      cli.error(`${cli.display(f)}: error: the file already exists; choose another id or remove it first`)
      return 1
    }
  }
  mkdirSync(folder, { recursive: true })
  const schema = fileURLToPath(new URL('../../scenarios/scenario.schema.json', import.meta.url))
  const schemaPath = relative(folder, schema).split(sep).join('/')
  await writeFileAtomic(scenarioFile, scaffoldScenario(id, schemaPath.startsWith('.') ? schemaPath : `./${schemaPath}`))
  await writeFileAtomic(transcriptFile, scaffoldTranscripts(id))
  cli.log(`Wrote ${cli.display(scenarioFile)} and ${cli.display(transcriptFile)}: a working call to start from.`)
  cli.log(`Check them after each change: npm run scenarios -- check ${cli.display(folder)} --watch`)
  return 0
}

async function inBatches<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i]!)
      }
    }),
  )
  return out
}

interface TranscriptProblem {
  severity: 'error' | 'warning'
  line: string
  /** Lines under it (a NOT MET's differences). */
  extra?: string[]
}

/**
 * A golden transcript file: the file as written (sentences at file:line:col,
 * with did-you-mean), then, with `replay`, every transcript replayed against
 * the scenario beside it and its report compared with the expectation (the
 * core's goldenCheck, which the app's workbench uses too).
 */
async function checkTranscriptFile(cli: Cli, path: string, scenario: Scenario | null, rubric: Rubric, replayThem: boolean): Promise<TranscriptProblem[]> {
  const file = cli.display(path)
  const loaded = await loadTranscriptData(cli, path)
  if (!loaded.ok) return loaded.errors.map((e) => ({ severity: 'error', line: problemLine(e.file, e.line, e.col, 'error', e.message, e.path, e.hint) }))
  // The worker has vetted the file (size, nesting, no aliases), so locating issues on this thread is bounded.
  const where = sourcePositions(loaded.text)
  const place = (p: GoldenProblem): TranscriptProblem => {
    const pos = where(p.at) ?? { line: 1, col: 1 }
    return { severity: p.severity, line: problemLine(file, pos.line, pos.col, p.severity, p.message, formatTranscriptPath(p.at), p.hint), extra: p.detail ?? [] }
  }
  const read = readGoldenFile(loaded.value, rubricIds(rubric))
  if (!read.file) return read.problems.map(place)
  if (!scenario) return [place({ severity: 'error', at: [], message: 'no scenario file beside this transcript file', hint: `expected ${cli.display(path.replace(/\.transcripts\.yaml$/, '.yaml'))}` })]
  if (!replayThem) return read.problems.map(place)
  try {
    const replayed = replayGoldenFile(compileScenario(scenario, rubric.policy), rubric, read.file)
    return [...read.problems, ...replayed.problems].map(place)
  } catch (error) {
    // A bug in the engine must not hide the other files' results.
    return [place({ severity: 'error', at: [], message: `replay failed: ${error instanceof Error ? error.message : String(error)}` })]
  }
}

/** A golden transcript file through the same safe path as scenarios: a regular file within the cap, parsed in the worker. */
async function loadTranscriptData(cli: Cli, path: string): Promise<{ ok: true; text: string; value: unknown } | { ok: false; errors: ScenarioProblem[] }> {
  const file = cli.display(path)
  const read = readUntrustedFile(cli.path(path), DEFAULT_MAX_BYTES)
  if (!read.ok) return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: read.message }] }
  const result = await cli.parser.parseYaml(read.bytes, file)
  if (!result.ok) return result
  return { ok: true, text: read.bytes.toString('utf8'), value: result.value }
}

function formatTranscriptPath(path: ReadonlyArray<string | number>): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('')
}

// ---------- play ----------

async function playTranscript(cli: Cli, 
  path: string,
  transcriptPath: string,
  rubric: Rubric,
  options: { name: string | undefined; update: boolean; seed: number | undefined },
): Promise<number> {
  const loaded = await loadOrReport(cli, path)
  if (!loaded) return 1
  const { scenario } = loaded
  const problems = await checkTranscriptFile(cli, transcriptPath, scenario, rubric, false)
  const fatal = problems.filter((p) => p.severity === 'error')
  if (fatal.length) {
    for (const p of fatal) cli.error(p.line)
    return 1
  }
  const transcript = await loadTranscriptData(cli, transcriptPath)
  if (!transcript.ok) return 1 // reported by the check above
  const text = transcript.text
  const file = TranscriptFile.parse(transcript.value)
  const chosen = options.name === undefined ? file.transcripts : file.transcripts.filter((t) => t.name === options.name)
  if (!chosen.length) {
    const names = file.transcripts.map((t) => t.name)
    throw new UsageError(`no transcript named '${options.name}' in ${cli.display(transcriptPath)}${suggest(options.name ?? '', names) || `; there are ${names.join(', ')}`}`)
  }
  const compiled = compileScenario(scenario, rubric.policy)
  let failed = false
  const updates = new Map<string, string[]>()
  for (const t of chosen) {
    const seed = options.seed ?? t.seed
    const events = transcriptEvents(t.actions)
    const snapshot = replay(compiled, seed, events)
    const report = scoreSession(compiled, rubric, seed, events)
    cli.log(`== ${t.name} (${t.kind}, seed ${seed}): ${t.description.trim()}`)
    cli.log('')
    for (const line of snapshot.context.transcript) cli.log(renderCallLine(line))
    cli.log('')
    for (const line of renderReport(report)) cli.log(line)
    cli.log('')
    if (options.update) {
      updates.set(t.name, transcriptLines(snapshot.context.transcript))
      const expect = { ...t.expect, transcript: transcriptLines(snapshot.context.transcript) }
      const result = checkExpectation(report, snapshot.context.transcript, expect)
      for (const line of result.lines) cli.log(line)
      failed ||= !result.ok
    } else {
      const result = checkExpectation(report, snapshot.context.transcript, t.expect)
      for (const line of result.lines) cli.log(line)
      failed ||= !result.ok
    }
    cli.log('')
  }
  if (options.update) {
    await writeFileAtomic(cli.path(transcriptPath), updateExpectedTranscripts(text, updates))
    cli.log(`Updated the expected transcript of ${[...updates.keys()].join(', ')} in ${cli.display(transcriptPath)}.`)
  }
  return failed ? 1 : 0
}

/**
 * Rewrites `expect.transcript` of the named transcripts and nothing else: the
 * Document API finds each `expect` and renders it anew (keeping the comments
 * inside it), and only that span of the text is replaced, so descriptions,
 * comments and layout elsewhere stay exactly as the author wrote them.
 */
export function updateExpectedTranscripts(text: string, lines: ReadonlyMap<string, readonly string[]>): string {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter })
  const transcripts = doc.get('transcripts', true)
  if (!isSeq(transcripts)) throw new Error('the transcript file has no transcripts list')
  const edits: Array<{ start: number; end: number; replacement: string }> = []
  for (const item of (transcripts as YAMLSeq).items) {
    if (!isMap(item)) continue
    const name = (item as YAMLMap).get('name')
    const want = typeof name === 'string' ? lines.get(name) : undefined
    if (!want) continue
    const pair = (item as YAMLMap).items.find((p) => isScalar(p.key) && p.key.value === 'expect')
    const key = pair?.key as Scalar | undefined
    const value = pair?.value
    if (!pair || !key?.range || !isMap(value) || !value.range) throw new Error(`transcript '${name}' has no 'expect' mapping`)
    // A one-line `expect: { ... }` becomes a block once it holds a list of lines.
    value.flow = false
    const seq = doc.createNode([...want]) as YAMLSeq
    seq.flow = false
    value.set('transcript', seq)
    const rendered = new Document(value).toString({ lineWidth: 0, flowCollectionPadding: false }).trimEnd()
    const indent = ' '.repeat(lineCounter.linePos(key.range[0]).col - 1 + 2)
    let end = value.range[1]
    while (end > key.range[1] && /\s/.test(text[end - 1]!)) end--
    edits.push({ start: key.range[1], end, replacement: `:\n${rendered.split('\n').map((l) => indent + l).join('\n')}` })
  }
  let out = text
  for (const e of edits.sort((x, y) => y.start - x.start)) out = out.slice(0, e.start) + e.replacement + out.slice(e.end)
  return out
}

interface LineReader {
  next(prompt: string): Promise<string | null>
  close(): void
}

/** Reads answers one line at a time, whether a person types them or they are piped in. */
function lineReader(cli: Cli): LineReader {
  const rl = createInterface({ input: cli.io.stdin, terminal: false })
  const lines = rl[Symbol.asyncIterator]()
  return {
    async next(prompt) {
      cli.io.stdout.write(prompt)
      const r = await lines.next()
      return r.done ? null : String(r.value).trim()
    },
    close: () => rl.close(),
  }
}

async function playInteractive(cli: Cli, path: string, rubric: Rubric, seed: number): Promise<number> {
  const loaded = await loadOrReport(cli, path)
  if (!loaded) return 1
  const { scenario } = loaded
  const compiled = compileScenario(scenario, rubric.policy)
  const { account, request } = realiseScenario(scenario, seed)
  cli.log(`${scenario.title}  (${scenario.id}, tier ${scenario.tier})`)
  cli.log(`Request: ${request.summary}  [${HRT_LABELS[request.kind]}]`)
  cli.log(`Account: ${account.holder}, ${account.line}, ${account.device.model}`)
  cli.log(`Calling from ${scenario.callerFacts.callingFrom.number}${scenario.callerFacts.callingFrom.networkVerified ? ' (network-verified)' : ''}`)
  cli.log('')
  const reader = lineReader(cli)
  let snapshot = startCall(compiled, seed)
  let shown = 0
  const showNew = () => {
    for (const line of snapshot.context.transcript.slice(shown)) cli.log(renderCallLine(line))
    shown = snapshot.context.transcript.length
  }
  showNew()
  try {
    while (snapshot.status === 'active') {
      const action = await chooseAction(cli, reader, compiled, snapshot)
      if (action === null) break
      const seq = snapshot.context.lastSeq + 1
      snapshot = advance(compiled, snapshot, { ...action, seq, at: TRANSCRIPT_START_AT + seq * TRANSCRIPT_STEP_MS } as SessionEvent)
      showNew()
    }
  } finally {
    reader.close()
  }
  cli.log('')
  const report = scoreContext(scenario, rubric, snapshot.context, snapshot.context.lastSeq)
  for (const line of renderReport(report)) cli.log(line)
  return 0
}

const MENU_COLUMNS = 2

function printMenu(cli: Cli, entries: string[]): void {
  const width = Math.max(...entries.map((e) => e.length)) + 3
  for (let i = 0; i < entries.length; i += MENU_COLUMNS) {
    cli.log(
      entries
        .slice(i, i + MENU_COLUMNS)
        .map((e) => e.padEnd(width))
        .join('')
        .trimEnd(),
    )
  }
}

/** Asks for a number from 1 to n; null on quit or end of input, 'back' on b. */
async function pick(cli: Cli, reader: LineReader, n: number, prompt: string): Promise<number | 'back' | null> {
  for (;;) {
    const answer = await reader.next(prompt)
    if (answer === null || answer === 'q') return null
    if (answer === 'b') return 'back'
    const k = Number(answer)
    if (Number.isInteger(k) && k >= 1 && k <= n) return k - 1
    cli.log(`  Type a number from 1 to ${n}${prompt.includes('b=back') ? ', b to go back' : ''} or q to stop.`)
  }
}

async function yesNo(cli: Cli, reader: LineReader, question: string): Promise<boolean | null> {
  const answer = await reader.next(`${question} [Y/n] `)
  if (answer === null) return null
  return !/^n/i.test(answer)
}

async function chooseAction(cli: Cli, reader: LineReader, compiled: CompiledScenario, snapshot: CallSnapshot): Promise<AgentAction | null> {
  for (;;) {
    cli.log('')
    // What the channel offers (a photo ID only at a counter); the channel-only actions come last, so the others keep their numbers.
    const offered = AGENT_ACTIONS.filter((a) => channelOffers(compiled.scenario.channel, a))
    printMenu(cli, offered.map((a, i) => `${String(i + 1).padStart(2)} ${ACTION_LABELS[a]}`))
    const k = await pick(cli, reader, offered.length, `Action (1-${offered.length}, q=quit)> `)
    if (k === null) return null
    if (k === 'back') continue
    const type = offered[k]!
    const action = await withParameters(cli, reader, compiled, snapshot, type)
    if (action === 'back') continue
    return action
  }
}

async function choose<T extends string>(cli: Cli, reader: LineReader, values: readonly T[], label: (v: T) => string): Promise<T | 'back' | null> {
  printMenu(cli, values.map((v, i) => `${String(i + 1).padStart(2)} ${label(v)}`))
  const k = await pick(cli, reader, values.length, `Which (1-${values.length}, b=back)> `)
  return k === null || k === 'back' ? k : values[k]!
}

async function withParameters(cli: Cli, reader: LineReader, compiled: CompiledScenario, snapshot: CallSnapshot, type: AgentActionType): Promise<AgentAction | 'back' | null> {
  const then = <T extends string>(v: T | 'back' | null, make: (v: T) => AgentAction): AgentAction | 'back' | null =>
    v === null || v === 'back' ? (v as 'back' | null) : make(v)
  switch (type) {
    case 'send-otp':
      return then(await choose(cli, reader, OTP_DESTINATIONS, (d) => OTP_DESTINATION_LABELS[d]), (to) => ({ type, to }))
    case 'ask-knowledge':
      return then(await choose(cli, reader, KNOWLEDGE_QUESTIONS, (q) => KNOWLEDGE_LABELS[q]), (question) => ({ type, question }))
    case 'confirm-detail':
      return then(await choose(cli, reader, DISCLOSABLE_FIELDS, (f) => DISCLOSABLE_LABELS[f]), (field) => ({ type, field }))
    case 'escalate':
      return then(await choose(cli, reader, ESCALATION_TEAMS, (t) => TEAM_LABELS[t]), (team) => ({ type, team }))
    case 'offer-safe-path':
      return then(await choose(cli, reader, SAFE_PATHS, (p) => SAFE_PATH_LABELS[p]), (path) => ({ type, path }))
    case 'check-id':
      return then(await choose(cli, reader, ID_CHECK_METHODS, (m) => ID_CHECK_LABELS[m]), (method) => ({ type, method }))
    case 'perform-hrt': {
      const kind = await choose(cli, reader, HRT_KINDS, (k) => HRT_LABELS[k])
      if (kind === null || kind === 'back') return kind
      const notify = await yesNo(cli, reader, 'Send the notice to the line and email of record?')
      if (notify === null) return null
      const hold = await yesNo(cli, reader, 'Apply the hold?')
      if (hold === null) return null
      return { type, kind, notify, hold }
    }
    case 'say': {
      const choices = offeredPhrasings(realiseScenario(compiled.scenario, snapshot.context.seed), snapshot.context.beat, snapshot.context.seed)
      if (!choices.length) {
        cli.log('  No phrasing is on offer here.')
        return 'back'
      }
      const ids = choices.map((c) => c.id)
      return then(await choose(cli, reader, ids, (id) => `“${choices.find((c) => c.id === id)!.text}”`), (choice) => ({ type, choice }))
    }
    case 'note': {
      printMenu(cli, NOTE_ITEMS.map((item, i) => `${String(i + 1).padStart(2)} ${NOTE_ITEM_LABELS[item]}`))
      const answer = await reader.next('What the note records (numbers, a=all, empty=none, b=back)> ')
      if (answer === null) return null
      if (answer === 'b') return 'back'
      const items: NoteItem[] =
        answer === 'a' ? [...NOTE_ITEMS] : [...new Set(answer.split(/[\s,]+/).filter(Boolean).map(Number))].filter((n) => n >= 1 && n <= NOTE_ITEMS.length).map((n) => NOTE_ITEMS[n - 1]!)
      const text = await reader.next('Note text> ')
      if (text === null) return null
      return { type, items, text: text.slice(0, 4000) }
    }
    default:
      return { type } as AgentAction
  }
}

// ---------- graph ----------

async function graph(cli: Cli, path: string, rubric: Rubric): Promise<number> {
  const loaded = await loadOrReport(cli, path)
  if (!loaded) return 1
  void rubric
  cli.log(mermaidFlowchart(loaded.scenario))
  return 0
}

/** The beats as a Mermaid flowchart: beats are nodes, branches labelled edges (`action [with] [when]`), endings styled. */
export function mermaidFlowchart(scenario: Scenario): string {
  const graph = beatGraph(scenario)
  const ids = new Map(graph.nodes.map((n, i) => [n.id, n.id === ANY_BEAT_NODE ? 'any' : `b${i}`]))
  const node = (beat: string) => ids.get(beat) ?? `missing_${beat.replace(/[^a-zA-Z0-9_]/g, '_')}`
  const lines = ['flowchart TD', `  %% ${scenario.id}: ${oneLine(scenario.title)} (every beat can also end the call)`]
  for (const n of graph.nodes) {
    if (n.id === ANY_BEAT_NODE) lines.push(`  any{{"any beat"}}`)
    else if (n.outcome) lines.push(`  ${node(n.id)}(["${escape(`${n.id}<br/><i>${n.outcome}</i>`)}"])`)
    else lines.push(`  ${node(n.id)}["${escape(n.id)}"]`)
  }
  // A branch without goto keeps the call where it is: dotted.
  for (const e of graph.edges) lines.push(e.kind === 'stay' ? `  ${node(e.from)} -.->|"${escape(e.label)}"| ${node(e.from)}` : `  ${node(e.from)} -->|"${escape(e.label)}"| ${node(e.to)}`)
  lines.push('  classDef ending fill:#e8f5e9,stroke:#2e7d32,color:#1b5e20')
  lines.push('  classDef fraudWin fill:#fdecea,stroke:#c62828,color:#b71c1c')
  lines.push('  classDef start stroke-width:3px')
  const good = graph.nodes.filter((n) => n.outcome && n.outcome !== 'fraud-succeeded').map((n) => node(n.id))
  const bad = graph.nodes.filter((n) => n.outcome === 'fraud-succeeded').map((n) => node(n.id))
  if (good.length) lines.push(`  class ${good.join(',')} ending`)
  if (bad.length) lines.push(`  class ${bad.join(',')} fraudWin`)
  const start = graph.nodes.find((n) => n.start)
  if (start) lines.push(`  class ${node(start.id)} start`)
  return lines.join('\n')
}

function escape(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/\|/g, '#124;')
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ')
}

// ---------- paths ----------

async function paths(cli: Cli, path: string, rubric: Rubric, explore: ExploreOptions): Promise<number> {
  const loaded = await loadOrReport(cli, path)
  if (!loaded) return 1
  const { scenario } = loaded
  const compiled = compileScenario(scenario, rubric.policy)
  const describe = (events: readonly SessionEvent[]) => events.map((e, i) => `    ${String(i + 1).padStart(2)}. ${describeAction(actionOf(e), scenario)}`)
  const exploration = exploreScenario(compiled, explore)
  const good = searchGoodPath(compiled, rubric, explore)

  cli.log(`${scenario.title} (${scenario.id}, ${scenario.caller})`)
  cli.log('')
  cli.log('Endings reached')
  for (const e of exploration.endings) {
    const what = e.outcome ?? 'the agent ends the call'
    cli.log(`  ${e.beat} (${what}), shortest in ${e.events.length} action${e.events.length === 1 ? '' : 's'}:`)
    for (const line of describe(e.events)) cli.log(line)
  }
  const unreached = Object.entries(scenario.beats).filter(([beat, b]) => b.ending && !exploration.beatsReached.has(beat))
  for (const [beat] of unreached) cli.log(`  ${beat}: never reached`)
  cli.log('')
  if (good.best) {
    const r = good.best.report
    cli.log(`Best call: score ${r.score}, compliance ${r.compliance}, ${good.best.events.length} actions${good.complete ? '' : ' (search incomplete: a better call may exist)'}`)
    for (const line of describe(good.best.events)) cli.log(line)
    if (r.deductions.length) {
      cli.log('  It still loses:')
      for (const d of r.deductions) cli.log(`    -${d.points} ${d.item}: ${d.message}`)
    }
  } else {
    cli.log(`Best call: none found${good.complete ? ' (every call fails compliance)' : ` (${good.reason})`}`)
  }
  cli.log('')
  cli.log('Critical failures reachable')
  if (!exploration.criticalFailures.length) cli.log('  none')
  for (const c of exploration.criticalFailures) {
    cli.log(`  ${c.code} in ${c.events.length} action${c.events.length === 1 ? '' : 's'}: ${c.message}`)
    for (const line of describe(c.events)) cli.log(line)
  }
  cli.log('')
  const s = exploration.stats
  const g = good.stats
  cli.log('Exploration')
  cli.log(`  world: ${s.states} states (${s.expanded} expanded), ${s.transitions} transitions, deepest ${s.deepest}, ${s.ms} ms${exploration.complete ? '' : `; INCOMPLETE: ${exploration.reason}`}`)
  cli.log(
    `  best call: ${g.states} states (${g.expanded} expanded), ${g.transitions} transitions, deepest ${g.deepest}, loss budget ${good.budget}, ${g.ms} ms${good.complete ? '' : `; INCOMPLETE: ${good.reason}`}`,
  )
  cli.log(`  bounds: ${explore.maxStates} states, ${explore.maxDepth} actions`)
  return exploration.complete && good.complete ? 0 : 1
}
