import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { LibraryProblem, ScenarioSummary } from '@core/api/contract'
import { ApiError } from '@core/api/contract'
import { compileScenario, ENGINE_VERSION, type CompiledScenario } from '@core/engine/compile'
import type { ScenarioProblem } from '@core/scenario/loader'
import { DEFAULT_MAX_BYTES, formatProblem } from '@core/scenario/loader'
import { Scenario } from '@core/scenario/schema'
import { scenarioSummaryOf } from '@core/scenario/summary'
import type { Rubric } from '@core/scoring/rubric'
import { writeFileAtomic } from './atomicWrite'
import { GoodPathSearcher } from './goodPathSearch'
import { ScenarioParser } from './scenarioParser'
import { readUntrustedFile } from './untrustedFile'

/** Bump when the good-path search or its wording changes, so cached paths are searched again. */
const GOOD_PATH_VERSION = 2

export type ParseScenario = (
  bytes: Uint8Array,
  file: string,
) => Promise<{ ok: true; scenario: Scenario } | { ok: false; errors: ScenarioProblem[] }>

export interface ScenarioLibraryOptions {
  /** Folder holding `*.yaml` scenario files (golden `*.transcripts.yaml` beside them are skipped). */
  dir: string
  rubric: Rubric
  /**
   * Where every scenario version a session was played with is kept, by hash, so
   * a session replays exactly even after its file is edited or removed.
   */
  versionsDir: string
  parse?: ParseScenario
  /** Where the good-path search runs (a worker thread by default). */
  goodPathSearcher?: GoodPathSearcher
}

/** A scenario file as main keeps it. Never sent to the renderer whole: the picker gets its summary. */
interface ScenarioDocument {
  scenario: Scenario
  /** sha256 of the file's bytes: sessions pin the exact version they were played with. */
  hash: string
  file: string
}

interface Entry {
  doc: ScenarioDocument
  compiled: CompiledScenario
}

/**
 * The scenario library: every file parsed in a worker (files are untrusted),
 * validated, compiled once; files that fail are listed with located errors
 * instead of taking the library down.
 */
export class ScenarioLibrary {
  private entries = new Map<string, Entry>()
  private byHash = new Map<string, CompiledScenario>()
  private problemList: LibraryProblem[] = []
  /** One search per scenario version: callers that ask while it runs wait for the same one. */
  private goodPaths = new Map<string, Promise<string[]>>()
  private readonly searcher: GoodPathSearcher

  constructor(private readonly options: ScenarioLibraryOptions) {
    mkdirSync(options.versionsDir, { recursive: true })
    this.searcher = options.goodPathSearcher ?? new GoodPathSearcher()
  }

  /** Stops a good-path search in flight (its callers get an empty path). */
  close(): void {
    this.searcher.close()
  }

  async load(): Promise<void> {
    // One warm worker for the whole library (a fresh one after any file that breaks it).
    const parser = this.options.parse ? null : new ScenarioParser()
    const parse: ParseScenario = this.options.parse ?? ((bytes, file) => parser!.parse(bytes, file))
    try {
      await this.loadWith(parse)
    } finally {
      parser?.close()
    }
  }

  private async loadWith(parse: ParseScenario): Promise<void> {
    const entries = new Map<string, Entry>()
    const problems: LibraryProblem[] = []
    const files = existsSync(this.options.dir)
      ? readdirSync(this.options.dir)
          .filter((f) => f.endsWith('.yaml') && !f.endsWith('.transcripts.yaml'))
          .sort()
      : []
    for (const name of files) {
      const path = join(this.options.dir, name)
      const display = relative(process.cwd(), path) || name
      // Only regular files within the cap, checked before reading: a FIFO, a device, a folder
      // named x.yaml or a dangling link is listed as a problem and never stops the app.
      const read = readUntrustedFile(path, DEFAULT_MAX_BYTES)
      if (!read.ok) {
        problems.push({ file: display, errors: [formatProblem({ file: display, line: 1, col: 1, path: '', message: read.message })] })
        continue
      }
      const bytes = read.bytes
      const result = await parse(bytes, display)
      if (!result.ok) {
        problems.push({ file: display, errors: result.errors.map(formatProblem) })
        continue
      }
      const scenario = result.scenario
      if (entries.has(scenario.id)) {
        problems.push({ file: display, errors: [`${display}:1:1: scenario id '${scenario.id}' is already used by ${entries.get(scenario.id)!.doc.file}`] })
        continue
      }
      const hash = createHash('sha256').update(bytes).digest('hex')
      const compiled = compileScenario(scenario, this.options.rubric.policy)
      entries.set(scenario.id, { doc: { scenario, hash, file: display }, compiled })
      this.byHash.set(hash, compiled)
    }
    this.entries = entries
    this.problemList = problems
  }

  list(): ScenarioSummary[] {
    return [...this.entries.values()].map(({ doc }) => scenarioSummaryOf(doc.scenario))
  }

  problems(): LibraryProblem[] {
    return this.problemList
  }

  /** What the picker may show of one scenario (the briefing, never the answer key). */
  get(scenarioId: string): ScenarioSummary {
    const entry = this.entries.get(scenarioId)
    if (!entry) throw new ApiError('not-found', `No scenario '${scenarioId}' in the library.`)
    return scenarioSummaryOf(entry.doc.scenario)
  }

  /** The scenarios whose caller uses this tactic (for coaching assignments), in library order. */
  scenariosWithTactic(tactic: string): Array<{ id: string; title: string }> {
    return [...this.entries.values()].filter(({ doc }) => (doc.scenario.tactics as readonly string[]).includes(tactic)).map(({ doc }) => ({ id: doc.scenario.id, title: doc.scenario.title }))
  }

  /** "What a good agent would have done" for the version a session played (for its report, after the call). */
  goodPath(hash: string): Promise<string[]> {
    return this.goodPathOf(hash, this.versionByHash(hash).scenario)
  }

  /**
   * "What a good agent would have done". The search explores the scenario's
   * states (1.0-1.4 s here) in a worker thread, once per scenario version,
   * rubric and engine; the result is kept beside the pinned versions, and
   * later starts read it back.
   */
  private goodPathOf(hash: string, scenario: Scenario): Promise<string[]> {
    const key = `${hash}-r${this.options.rubric.version}-e${ENGINE_VERSION}-p${GOOD_PATH_VERSION}`
    let path = this.goodPaths.get(key)
    if (!path) {
      path = this.readOrSearchGoodPath(key, scenario)
      this.goodPaths.set(key, path)
    }
    return path
  }

  private async readOrSearchGoodPath(key: string, scenario: Scenario): Promise<string[]> {
    const file = join(this.options.versionsDir, `${key}.good-path.json`)
    try {
      const cached: unknown = JSON.parse(readFileSync(file, 'utf8'))
      if (Array.isArray(cached) && cached.every((x) => typeof x === 'string')) return cached
    } catch {
      // not computed yet, or unreadable: search again
    }
    const found = await this.searcher.search(scenario, this.options.rubric)
    if (!found.ok) {
      // The report leaves the good path out when there is none to show; the next request searches again.
      this.goodPaths.delete(key)
      return []
    }
    try {
      await writeFileAtomic(file, JSON.stringify(found.steps))
    } catch {
      // A cache that cannot be written only costs the search next time.
    }
    return found.steps
  }

  /** Keep the exact version a session starts with. */
  async pinVersion(scenarioId: string): Promise<{ hash: string; compiled: CompiledScenario; title: string }> {
    const entry = this.entries.get(scenarioId)
    if (!entry) throw new ApiError('not-found', `No scenario '${scenarioId}' in the library.`)
    const file = join(this.options.versionsDir, `${entry.doc.hash}.json`)
    if (!existsSync(file)) await writeFileAtomic(file, JSON.stringify(entry.doc.scenario))
    return { hash: entry.doc.hash, compiled: entry.compiled, title: entry.doc.scenario.title }
  }

  /** The compiled scenario a session was played with, by the hash it recorded. */
  versionByHash(hash: string): CompiledScenario {
    const known = this.byHash.get(hash)
    if (known) return known
    const file = join(this.options.versionsDir, `${hash}.json`)
    if (!/^[0-9a-f]{64}$/.test(hash) || !existsSync(file))
      throw new ApiError('not-found', `The scenario version ${hash.slice(0, 12)} this session was played with is no longer available.`)
    const compiled = compileScenario(Scenario.parse(JSON.parse(readFileSync(file, 'utf8'))), this.options.rubric.policy)
    this.byHash.set(hash, compiled)
    return compiled
  }
}
