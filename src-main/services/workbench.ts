import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { beatGraph } from '@core/analysis/beatGraph'
import type {
  ApiArgs,
  ApiResults,
  CallerContext,
  LocatedProblem,
  PreviewDebug,
  PreviewState,
  ServiceApi,
  TranscriptsState,
  WorkbenchFile,
  WorkbenchLibrary,
  WorkbenchMethod,
} from '@core/api/contract'
import { ApiError, parseApiArgs, WORKBENCH_METHOD_NAMES } from '@core/api/contract'
import { replay, type CompiledScenario } from '@core/engine/compile'
import { formatProblem, type ScenarioProblem } from '@core/scenario/loader'
import { sourcePositions } from '@core/scenario/lint'
import { rubricIds, type Rubric } from '@core/scoring/rubric'
import { scoreSession } from '@core/scoring/scorer'
import { describeAction } from '@core/session/describe'
import type { AgentAction } from '@core/session/events'
import { readGoldenFile, replayGoldenFile, type GoldenProblem } from '@core/session/goldenCheck'
import { CallService } from './calls'
import type { LibraryFileState, ScenarioLibrary, TranscriptFileState } from './library'
import { ScenarioParser } from './scenarioParser'
import { SessionStore } from './sessionStore'
import { SessionService } from './sessions'

export interface WorkbenchServiceOptions {
  library: ScenarioLibrary
  rubric: Rubric
  /** Where the preview's scratch session store lives; emptied at every start. */
  scratchDir: string
  nativeBinding?: string
  clock?: () => number
  /** True when the connection has unlocked supervisor mode (ReviewService decides). */
  isSupervisor: (caller: CallerContext | undefined) => boolean
  /** The desktop app's folder dialog (Electron-aware, so passed in). */
  chooseFolder?: (caller: CallerContext) => Promise<string | null>
  /** Parses golden transcript files (a worker by default, as for scenarios). */
  parser?: Pick<ScenarioParser, 'parseYaml' | 'close'>
}

/** The name preview calls record as their trainee: they live on the scratch store only, but say what they are anyway. */
export const PREVIEW_TRAINEE = 'Workbench preview'

interface Preview {
  scenarioId: string
  hash: string
  seed: number
  intents: AgentAction[]
}

/**
 * The author's workbench, served by main: the library file by file (valid or
 * with located problems, transcripts met or not), folders added to it, live
 * reload, each scenario's beat graph, and preview play.
 *
 * Preview calls run through the real call service (the same checks, clock,
 * log and machine as a trainee's call) on a scratch session store of their
 * own, so they never appear in a trainee's history, the review queue or the
 * trends. After an edit, the renderer asks for a new preview with the intents
 * of the last one; they are re-sent until one is no longer on offer, and the
 * answer says where that was, as Inky's preview does.
 */
export class WorkbenchService {
  private readonly store: SessionStore
  private readonly calls: CallService
  private readonly previews = new Map<string, Preview>()
  /** One seed per scenario, so a replay after an edit hears the same variant of the call. */
  private readonly seeds = new Map<string, number>()
  private nextSeed = 1
  private parserInstance: Pick<ScenarioParser, 'parseYaml' | 'close'> | null
  /** Transcript results by scenario hash and transcript file hash: replayed once per version pair. */
  private readonly transcriptCache = new Map<string, TranscriptsState>()

  constructor(private readonly options: WorkbenchServiceOptions) {
    rmSync(options.scratchDir, { recursive: true, force: true })
    mkdirSync(options.scratchDir, { recursive: true })
    this.store = new SessionStore({
      path: join(options.scratchDir, 'preview.db'),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    })
    const sessions = new SessionService({
      store: this.store,
      library: options.library,
      rubric: options.rubric,
      seed: () => this.nextSeed,
      ...(options.clock ? { clock: options.clock } : {}),
    })
    this.calls = new CallService({ store: this.store, library: options.library, sessions, ...(options.clock ? { clock: options.clock } : {}) })
    this.parserInstance = options.parser ?? null
  }

  close(): void {
    this.parserInstance?.close()
    this.store.close()
  }

  private get parser(): Pick<ScenarioParser, 'parseYaml' | 'close'> {
    this.parserInstance ??= new ScenarioParser()
    return this.parserInstance
  }

  async libraryState(folderDialog: boolean): Promise<WorkbenchLibrary> {
    const library = this.options.library
    const revision = library.revision
    const files: WorkbenchFile[] = []
    for (const f of library.files()) files.push(await this.fileState(f))
    return { revision, folders: [...library.folders], files, folderDialog }
  }

  private async fileState(f: LibraryFileState): Promise<WorkbenchFile> {
    const scenario = f.scenario
    const compiled = scenario ? this.options.library.current(scenario.id)?.compiled : undefined
    return {
      file: f.file,
      folder: f.folder,
      scenarioId: scenario?.id ?? null,
      title: scenario?.title ?? null,
      caller: scenario?.caller ?? null,
      state: f.problems.length ? 'problems' : 'valid',
      problems: f.problems.map(located),
      transcripts: await this.transcriptsState(f, compiled && compiled.scenario === scenario ? compiled : null),
    }
  }

  /**
   * The golden transcripts beside a scenario file, replayed against the
   * version loaded now. The file goes through the same safe path as scenarios
   * (a regular file within the cap, parsed in the worker).
   */
  private async transcriptsState(f: LibraryFileState, compiled: CompiledScenario | null): Promise<TranscriptsState> {
    const t = this.options.library.transcriptsOf(f.path)
    if (!t) return { file: null, state: 'none', problems: [], results: [] }
    const key = `${f.hash ?? 'broken'}:${t.read.ok ? t.read.hash : t.read.message}`
    const cached = this.transcriptCache.get(key)
    if (cached) return cached
    const state = await this.replayTranscripts(t, compiled)
    this.transcriptCache.set(key, state)
    return state
  }

  private async replayTranscripts(t: TranscriptFileState, compiled: CompiledScenario | null): Promise<TranscriptsState> {
    const problemsOnly = (problems: ScenarioProblem[]): TranscriptsState => ({ file: t.file, state: 'problems', problems: problems.map(located), results: [] })
    if (!t.read.ok) return problemsOnly([{ file: t.file, line: 1, col: 1, path: '', message: t.read.message }])
    const parsed = await this.parser.parseYaml(t.read.bytes, t.file)
    if (!parsed.ok) return problemsOnly(parsed.errors)
    // The worker has vetted the text (size, nesting, no aliases), so locating problems on this thread is bounded.
    const where = sourcePositions(t.read.bytes.toString('utf8'))
    const place = (p: GoldenProblem): ScenarioProblem => {
      const pos = where(p.at) ?? { line: 1, col: 1 }
      const path = p.at.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('')
      return { file: t.file, line: pos.line, col: pos.col, path, message: p.message, ...(p.hint ? { hint: p.hint } : {}) }
    }
    // The same checks as `scenarios check` (core's goldenCheck): the file as written, then each transcript replayed.
    const read = readGoldenFile(parsed.value, rubricIds(this.options.rubric))
    if (!read.file) return problemsOnly(read.problems.map(place))
    if (!compiled) return problemsOnly([place({ severity: 'error', at: [], message: 'the scenario beside this transcript file does not load, so its transcripts cannot be replayed: fix the scenario first' })])
    const replayed = replayGoldenFile(compiled, this.options.rubric, read.file)
    // NOT MET is a result, shown with its differences; every other problem (a phrasing the beat does not offer, say) is listed at its line.
    const others = [...read.problems, ...replayed.problems].filter((p) => !(p.at.length === 3 && p.at[0] === 'transcripts' && p.at[2] === 'expect' && p.detail))
    const results = replayed.results.map((r) => ({ name: r.name, state: r.differences.length ? ('not-met' as const) : ('met' as const), differences: [...r.differences] }))
    const state = others.some((p) => p.severity === 'error') ? 'problems' : results.some((r) => r.state === 'not-met') ? 'not-met' : 'met'
    return { file: t.file, state, problems: others.map(place).map(located), results }
  }

  async addFolder(path: string | undefined, caller: CallerContext | undefined): Promise<void> {
    let folder = path
    if (folder === undefined) {
      if (!this.options.chooseFolder) throw new ApiError('invalid-argument', 'Type the path of the folder to add: this window cannot show a folder dialog.')
      folder = (await this.options.chooseFolder(caller ?? { connection: 'local' })) ?? undefined
      if (folder === undefined) return
    }
    await this.options.library.addFolder(folder)
  }

  scenario(scenarioId: string): ApiResults['workbench.scenario'] {
    const current = this.currentOrRefuse(scenarioId)
    return { scenarioId, file: current.file, hash: current.hash, graph: beatGraph(current.scenario) }
  }

  private currentOrRefuse(scenarioId: string) {
    const current = this.options.library.current(scenarioId)
    if (current) return current
    const broken = this.options.library.files().find((f) => f.problems.length && f.file.endsWith(`${scenarioId}.yaml`))
    if (broken) throw new ApiError('not-found', `${broken.file} does not load (${formatProblem(broken.problems[0]!)}): fix it, and the preview picks it up.`)
    throw new ApiError('not-found', `No scenario '${scenarioId}' in the library.`)
  }

  /** A scratch call on the scenario as it is now, replaying `intents` until one is no longer on offer. */
  async previewStart(scenarioId: string, intents: AgentAction[]): Promise<PreviewState> {
    const current = this.currentOrRefuse(scenarioId)
    this.nextSeed = this.seeds.get(scenarioId) ?? this.nextSeed + 1
    this.seeds.set(scenarioId, this.nextSeed)
    const live = await this.calls.start({ scenarioId, mode: 'practice' }, PREVIEW_TRAINEE)
    const previewId = live.session.sessionId
    const preview: Preview = { scenarioId, hash: live.session.scenarioHash, seed: live.session.seed, intents: [] }
    this.previews.set(previewId, preview)
    let view = live.view
    let stopped: NonNullable<PreviewState['replay']>['stopped'] = null
    for (const [index, action] of intents.entries()) {
      try {
        view = this.calls.act(previewId, view.step, action)
        preview.intents.push(action)
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'not-offered') throw error
        stopped = { index, action: describeAction(action, current.scenario), reason: error.message }
        break
      }
    }
    return this.state(previewId, preview, view, intents.length ? { replayed: preview.intents.length, requested: intents.length, stopped } : null)
  }

  previewAct(previewId: string, step: number, action: AgentAction): PreviewState {
    const preview = this.previews.get(previewId)
    if (!preview) throw new ApiError('not-found', 'This preview has gone (main was restarted): start the preview again.')
    const view = this.calls.act(previewId, step, action)
    preview.intents.push(action)
    return this.state(previewId, preview, view, null)
  }

  private state(previewId: string, preview: Preview, view: PreviewState['view'], replayed: PreviewState['replay']): PreviewState {
    return { previewId, scenarioId: preview.scenarioId, hash: preview.hash, view, debug: this.debug(previewId, preview), intents: [...preview.intents], replay: replayed }
  }

  /** What the author sees beside the preview: the world model now and the scorer's view of the log so far. */
  private debug(previewId: string, preview: Preview): PreviewDebug {
    const compiled = this.options.library.versionByHash(preview.hash)
    const { scenario } = compiled
    const events = this.store.getSession(previewId).events
    const ctx = replay(compiled, preview.seed, events).context
    const report = scoreSession(compiled, this.options.rubric, preview.seed, events)
    const when = (seq: number | null) => (seq === null ? 'no' : `yes (step ${seq})`)
    return {
      beat: ctx.beat,
      visited: [...ctx.visited],
      caller: { type: scenario.caller, identity: scenario.callerFacts.identity, knows: [...scenario.callerFacts.knows], holds: [...scenario.callerFacts.holds] },
      verification: {
        factors: ctx.passes.map((p) => ({ factor: p.factor, category: p.category, valid: p.valid, detail: p.detail, seq: p.seq })),
        validFactors: ctx.passes.filter((p) => p.valid).length,
        failedAttempts: ctx.failedAttempts,
        attemptLimit: compiled.policy.failedAttemptsPerCall,
      },
      facts: [
        { label: 'Codes sent', value: String(ctx.otpsSent) },
        { label: 'PIN guesses used', value: String(ctx.pinGuessesUsed) },
        { label: 'Account checked', value: when(ctx.checkedAccountSeq) },
        { label: 'Details disclosed', value: ctx.disclosed.map((d) => `${d.field} (step ${d.seq})`).join(', ') || 'none' },
        { label: 'High-risk changes', value: ctx.hrts.map((h) => `${h.kind}${h.verified ? '' : ' UNVERIFIED'} (step ${h.seq})`).join(', ') || 'none' },
        { label: 'Suspended', value: when(ctx.suspendedSeq) },
        { label: 'Flagged', value: when(ctx.flaggedSeq) },
        { label: 'Customer notified', value: when(ctx.notifiedSeq) },
        { label: 'Denied', value: when(ctx.deniedSeq) },
        { label: 'Escalations', value: ctx.escalations.map((e) => `${e.team} (step ${e.seq})`).join(', ') || 'none' },
        { label: 'Safe paths offered', value: ctx.safePaths.map((p) => `${p.path} (step ${p.seq})`).join(', ') || 'none' },
        { label: 'Tactics heard', value: [...new Set(ctx.tacticsSeen.map((t) => t.tactic))].join(', ') || 'none' },
        { label: 'Phrasings used', value: ctx.phrasing.map((p) => p.choice).join(', ') || 'none' },
        { label: 'Call ended', value: ctx.ended ? 'yes' : 'no' },
      ],
      score: {
        provisional: true,
        score: report.score,
        compliance: report.compliance,
        outcome: report.outcome.label,
        deductions: report.deductions.filter((d) => !d.item.startsWith('CF')).map((d) => ({ item: d.item, rule: d.rule, points: d.points, message: d.message })),
        criticalFailures: report.criticalFailures.map((c) => ({ id: c.id, rule: c.rule, message: c.message })),
      },
    }
  }

  /** The workbench methods, each refusing with 'forbidden' outside supervisor mode. */
  api(): Pick<ServiceApi, WorkbenchMethod> {
    const library = this.options.library
    const dialog = this.options.chooseFolder !== undefined
    const handlers: { [M in WorkbenchMethod]: (args: ApiArgs<M>, caller: CallerContext | undefined) => Promise<ApiResults[M]> } = {
      'workbench.library': async () => this.libraryState(dialog),
      'workbench.wait': async ({ revision, timeoutMs }) => {
        await library.waitForChange(revision, timeoutMs ?? 25_000)
        return this.libraryState(dialog)
      },
      'workbench.addFolder': async ({ path }, caller) => {
        await this.addFolder(path, caller)
        return this.libraryState(dialog)
      },
      'workbench.scenario': async ({ scenarioId }) => this.scenario(scenarioId),
      'workbench.previewStart': async ({ scenarioId, intents }) => this.previewStart(scenarioId, intents ?? []),
      'workbench.previewAct': async ({ previewId, step, action }) => this.previewAct(previewId, step, action),
    }
    return Object.fromEntries(
      WORKBENCH_METHOD_NAMES.map((method) => [
        method,
        async (args: unknown, caller?: CallerContext) => {
          if (!this.options.isSupervisor(caller)) throw new ApiError('forbidden', `${method} needs supervisor mode: unlock it with the supervisor passphrase.`)
          return (handlers[method] as (a: unknown, c?: CallerContext) => Promise<unknown>)(parseApiArgs(method, args), caller)
        },
      ]),
    ) as unknown as Pick<ServiceApi, WorkbenchMethod>
  }
}

function located(p: ScenarioProblem): LocatedProblem {
  return { line: p.line, col: p.col, path: p.path, message: p.message, ...(p.hint ? { hint: p.hint } : {}), text: formatProblem(p) }
}
