import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
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
const GOOD_PATH_VERSION = 3

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

/** One `*.yaml` file of a library folder as the last load found it: a scenario, or its located problems. */
export interface LibraryFileState {
  /** Absolute path. */
  path: string
  /** As people read it: relative to the working directory where it can be. */
  file: string
  folder: string
  /** sha256 of the bytes read; null when the file could not be read. */
  hash: string | null
  scenario: Scenario | null
  problems: ScenarioProblem[]
}

/** A golden transcript file beside a scenario (`x.transcripts.yaml` beside `x.yaml`), as the last load found it. */
export interface TranscriptFileState {
  path: string
  file: string
  /** The bytes, when they are a regular file within the cap; else the reason. */
  read: { ok: true; bytes: Buffer; hash: string } | { ok: false; message: string }
}

/** How long after the last change event a reload starts: an editor's save is often several events (write, rename, chmod). */
const RELOAD_DEBOUNCE_MS = 40

/**
 * The scenario library: every file parsed in a worker (files are untrusted),
 * validated, compiled once; files that fail are listed with located errors
 * instead of taking the library down. Authors can add folders to it, and
 * while it watches (the workbench) a saved file is picked up without a
 * restart: changed files only are parsed again.
 */
export class ScenarioLibrary {
  private entries = new Map<string, Entry>()
  private byHash = new Map<string, CompiledScenario>()
  private problemList: LibraryProblem[] = []
  private fileList: LibraryFileState[] = []
  private transcriptList = new Map<string, TranscriptFileState>()
  /** One search per scenario version: callers that ask while it runs wait for the same one. */
  private goodPaths = new Map<string, Promise<string[]>>()
  private readonly searcher: GoodPathSearcher
  private readonly folderList: string[]
  /** Parse results by file and content hash: a reload parses only what changed. */
  private parsed = new Map<string, { hash: string; result: Awaited<ReturnType<ParseScenario>> }>()
  private revisionNumber = 0
  private loading: Promise<void> = Promise.resolve()
  private watchers: FSWatcher[] = []
  private reloadTimer: ReturnType<typeof setTimeout> | null = null
  private waiters = new Set<() => void>()
  private closed = false
  /**
   * A warm worker while the library watches: a reload after a save then parses
   * the file at once, instead of first starting a worker (0.5-1 s under tsx).
   * Closed with the library.
   */
  private warmParser: ScenarioParser | null = null

  constructor(private readonly options: ScenarioLibraryOptions) {
    mkdirSync(options.versionsDir, { recursive: true })
    this.searcher = options.goodPathSearcher ?? new GoodPathSearcher()
    this.folderList = [resolve(options.dir)]
  }

  /** Stops a good-path search in flight (its callers get an empty path) and the watchers. */
  close(): void {
    this.closed = true
    this.searcher.close()
    this.unwatch()
    this.warmParser?.close()
    this.warmParser = null
    for (const wake of this.waiters) wake()
  }

  /** Goes up by one each time a load changes what the library holds. */
  get revision(): number {
    return this.revisionNumber
  }

  get folders(): readonly string[] {
    return this.folderList
  }

  /** Loads every folder again (one load at a time: a second waits for the first). */
  load(): Promise<void> {
    const next = this.loading.then(() => this.loadOnce())
    this.loading = next.catch(() => undefined)
    return next
  }

  private async loadOnce(): Promise<void> {
    if (this.closed) return
    // One warm worker for the whole load (a fresh one after any file that breaks it), started
    // only when a file needs parsing: a reload after one save parses that file alone.
    let parser: ScenarioParser | null = null
    const worker = () => this.warmParser ?? (parser ??= new ScenarioParser())
    const parse: ParseScenario = this.options.parse ?? ((bytes, file) => worker().parse(bytes, file))
    try {
      await this.loadWith(parse)
    } finally {
      ;(parser as ScenarioParser | null)?.close()
    }
  }

  /**
   * Adds a folder of scenarios (and their transcripts) and loads it. The path
   * must be an existing directory; scenario ids must stay unique across
   * folders (a clash is a located problem of the later file).
   */
  async addFolder(path: string): Promise<void> {
    if (!isAbsolute(path)) throw new ApiError('invalid-argument', `"${path}" is not an absolute path: give the whole path of the folder, e.g. /home/ana/scenarios.`)
    const dir = resolve(path)
    let isDir: boolean
    try {
      isDir = statSync(dir).isDirectory()
    } catch {
      throw new ApiError('not-found', `There is no folder at ${dir}: check the path and try again.`)
    }
    if (!isDir) throw new ApiError('invalid-argument', `${dir} is a file, not a folder: give the folder that holds the scenario files.`)
    if (this.folderList.includes(dir)) throw new ApiError('conflict', `${dir} is already in the library.`)
    this.folderList.push(dir)
    if (this.watchers.length) this.watchFolder(dir)
    await this.load()
  }

  /**
   * Watches every folder; a change reloads the library (debounced) and wakes
   * `waitForChange`. For the workbench: the trainee's picker needs no watching.
   */
  watch(): void {
    if (this.watchers.length || this.closed) return
    if (!this.options.parse) {
      this.warmParser = new ScenarioParser()
      // Start the worker now (an empty text is refused at once), not on the first save.
      void this.warmParser.parse('', 'warm-up.yaml').catch(() => undefined)
    }
    for (const dir of this.folderList) this.watchFolder(dir)
  }

  private watchFolder(dir: string): void {
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || String(name).endsWith('.yaml')) this.scheduleReload()
      })
      // A folder that disappears ends its watcher; the next load lists what is left.
      watcher.on('error', () => this.scheduleReload())
      this.watchers.push(watcher)
    } catch {
      // A folder that cannot be watched is still loaded; its changes show on the next load.
    }
  }

  private unwatch(): void {
    for (const w of this.watchers) w.close()
    this.watchers = []
    if (this.reloadTimer) clearTimeout(this.reloadTimer)
    this.reloadTimer = null
  }

  private scheduleReload(): void {
    if (this.closed) return
    if (this.reloadTimer) clearTimeout(this.reloadTimer)
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null
      void this.load().catch(() => undefined)
    }, RELOAD_DEBOUNCE_MS)
  }

  /** Resolves once the revision differs from `revision`, or after `timeoutMs`. */
  waitForChange(revision: number, timeoutMs: number): Promise<void> {
    if (revision !== this.revisionNumber || this.closed) return Promise.resolve()
    return new Promise((done) => {
      const wake = () => {
        clearTimeout(timer)
        this.waiters.delete(wake)
        done()
      }
      const timer = setTimeout(wake, timeoutMs)
      this.waiters.add(wake)
    })
  }

  private async loadWith(parse: ParseScenario): Promise<void> {
    const entries = new Map<string, Entry>()
    const problems: LibraryProblem[] = []
    const files: LibraryFileState[] = []
    const transcripts = new Map<string, TranscriptFileState>()
    const seen = new Set<string>()
    for (const folder of this.folderList) {
      let names: string[] = []
      try {
        names = existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort() : []
      } catch (error) {
        // The folder itself is not one Pretext can list: a problem to show, not a failed start.
        const display = relative(process.cwd(), folder) || folder
        const code = (error as NodeJS.ErrnoException).code ?? String(error)
        const problem = { file: display, line: 1, col: 1, path: '', message: `the scenario library folder cannot be listed (${code}); check that it is a folder Pretext may read` }
        files.push({ path: folder, file: display, folder, hash: null, scenario: null, problems: [problem] })
        problems.push({ file: display, errors: [formatProblem(problem)] })
      }
      for (const name of names) {
        const path = join(folder, name)
        const display = relative(process.cwd(), path) || name
        seen.add(path)
        // Only regular files within the cap, checked before reading: a FIFO, a device, a folder
        // named x.yaml or a dangling link is listed as a problem and never stops the app.
        const read = readUntrustedFile(path, DEFAULT_MAX_BYTES)
        if (name.endsWith('.transcripts.yaml')) {
          const scenarioPath = path.replace(/\.transcripts\.yaml$/, '.yaml')
          transcripts.set(scenarioPath, {
            path,
            file: display,
            read: read.ok ? { ok: true, bytes: read.bytes, hash: sha256(read.bytes) } : { ok: false, message: read.message },
          })
          continue
        }
        const state: LibraryFileState = { path, file: display, folder, hash: null, scenario: null, problems: [] }
        files.push(state)
        if (!read.ok) {
          state.problems = [{ file: display, line: 1, col: 1, path: '', message: read.message }]
          problems.push({ file: display, errors: state.problems.map(formatProblem) })
          continue
        }
        const bytes = read.bytes
        const hash = sha256(bytes)
        state.hash = hash
        const cached = this.parsed.get(path)
        const result = cached?.hash === hash ? cached.result : await parse(bytes, display)
        this.parsed.set(path, { hash, result })
        if (!result.ok) {
          state.problems = result.errors
          problems.push({ file: display, errors: result.errors.map(formatProblem) })
          continue
        }
        const scenario = result.scenario
        if (entries.has(scenario.id)) {
          state.problems = [{ file: display, line: 1, col: 1, path: 'id', message: `scenario id '${scenario.id}' is already used by ${entries.get(scenario.id)!.doc.file}`, hint: 'give this scenario an id of its own' }]
          problems.push({ file: display, errors: [`${display}:1:1: scenario id '${scenario.id}' is already used by ${entries.get(scenario.id)!.doc.file}`] })
          continue
        }
        state.scenario = scenario
        const known = this.entries.get(scenario.id)
        // An unchanged file keeps its compiled machine; an edited one is compiled once.
        const compiled = known?.doc.hash === hash ? known.compiled : (this.byHash.get(hash) ?? compileScenario(scenario, this.options.rubric.policy))
        entries.set(scenario.id, { doc: { scenario, hash, file: display }, compiled })
        this.byHash.set(hash, compiled)
      }
    }
    for (const path of [...this.parsed.keys()]) if (!seen.has(path)) this.parsed.delete(path)
    const changed = this.revisionNumber === 0 || fingerprint(files, transcripts) !== fingerprint(this.fileList, this.transcriptList)
    this.entries = entries
    this.problemList = problems
    this.fileList = files
    this.transcriptList = transcripts
    if (changed) {
      this.revisionNumber += 1
      for (const wake of [...this.waiters]) wake()
    }
  }

  /** Every scenario file of every folder, loaded or not, in folder then name order. */
  files(): readonly LibraryFileState[] {
    return this.fileList
  }

  /** The golden transcript file beside a scenario file (by the scenario's absolute path), if there is one. */
  transcriptsOf(scenarioPath: string): TranscriptFileState | null {
    return this.transcriptList.get(scenarioPath) ?? null
  }

  /** The loaded scenario with this id, its version and file; null when no loaded file has it. */
  current(scenarioId: string): { scenario: Scenario; hash: string; file: string; compiled: CompiledScenario } | null {
    const entry = this.entries.get(scenarioId)
    return entry ? { ...entry.doc, compiled: entry.compiled } : null
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
   * states (20-360 ms here) in a worker thread, once per scenario version,
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
    if (!existsSync(file)) await writeFileAtomic(file, JSON.stringify(asWritten(entry.doc.scenario)))
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

/**
 * A scenario as its file states it, for pinning: loading derives `requests`
 * from `request` (loader.ts stringifyScenario writes files the same way), and
 * the schema refuses the derived key when the pin is read back.
 */
function asWritten(scenario: Scenario): unknown {
  const { requests, ...written } = scenario
  return { ...written, request: requests.length === 1 ? requests[0] : requests }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** What a load found, as one string: a reload that finds the same files, bytes and problems is no change. */
function fingerprint(files: readonly LibraryFileState[], transcripts: ReadonlyMap<string, TranscriptFileState>): string {
  const f = files.map((s) => `${s.path}:${s.hash ?? s.problems.map((p) => p.message).join('|')}`)
  const t = [...transcripts.values()].map((s) => `${s.path}:${s.read.ok ? s.read.hash : s.read.message}`)
  return [...f, ...t].join('\n')
}
