import { z } from 'zod'
import type { BeatGraph } from '../analysis/beatGraph'
import type { CallerType } from '../scenario/vocabulary'
import type { ConsoleView } from '../session/consoleView'
import type { AgentAction } from '../session/events'
import { IntentSchema } from './intent'
import type { WorkbenchMethod } from './workbenchMethods'

/**
 * The author's workbench (issue 10, supervisor mode): the library file by
 * file with its state, folders added to it, live reload, the beat graph,
 * preview play with a debug panel, and the golden transcripts' state.
 *
 * Unlike the trainee's console, the workbench is for the people who write the
 * answer key, so it shows it: caller type, ground truth, the provisional
 * score. Main refuses every method here with 'forbidden' outside supervisor
 * mode.
 */

/** One problem of a file, where an editor would put the cursor. */
export interface LocatedProblem {
  /** 1-based. */
  line: number
  col: number
  /** Where in the document ("beats.opening.on[2].goto"); '' for the whole file. */
  path: string
  message: string
  hint?: string
  /** "file:line:col: message at path; hint", as the CLI prints it. */
  text: string
}

export interface TranscriptResult {
  name: string
  /** met: the replay gives what the transcript expects; not-met: `differences` says how it does not. */
  state: 'met' | 'not-met'
  differences: string[]
}

export interface TranscriptsState {
  /** The transcript file beside the scenario, or null when it has none. */
  file: string | null
  /** none: no file; problems: the file cannot be replayed (see `problems`); else the worst of its results. */
  state: 'none' | 'problems' | 'met' | 'not-met'
  problems: LocatedProblem[]
  results: TranscriptResult[]
}

export interface WorkbenchFile {
  /** As the CLI and the picker name it (relative to the working directory where it can be). */
  file: string
  folder: string
  /** Null when the file does not load. */
  scenarioId: string | null
  title: string | null
  caller: CallerType | null
  state: 'valid' | 'problems'
  problems: LocatedProblem[]
  transcripts: TranscriptsState
}

export interface WorkbenchLibrary {
  /** Goes up by one on every reload that changed anything; `workbench.wait` waits for it to move. */
  revision: number
  folders: string[]
  files: WorkbenchFile[]
  /** Whether main can show a folder dialog (the desktop app); the browser preview types the path. */
  folderDialog: boolean
}

export interface WorkbenchScenario {
  scenarioId: string
  file: string
  /** sha256 of the file's bytes: the graph and a preview started now are of this version. */
  hash: string
  graph: BeatGraph
}

/** One fact of the call as the world model has it now. */
export interface DebugFact {
  label: string
  value: string
}

export interface PreviewDebug {
  /** The beat the call is in (the graph highlights it). */
  beat: string
  /** Beats entered so far, in first-visit order. */
  visited: string[]
  caller: { type: CallerType; identity: string; knows: string[]; holds: string[] }
  verification: {
    factors: Array<{ factor: string; category: string; valid: boolean; detail: string; seq: number }>
    validFactors: number
    failedAttempts: number
    attemptLimit: number
  }
  /** World facts: what the agent has done to the account and what the caller has got so far. */
  facts: DebugFact[]
  /** The scorer run on the log so far, as if the call ended now. Provisional: the call has not ended. */
  score: {
    provisional: true
    score: number
    compliance: 'pass' | 'fail'
    outcome: string
    deductions: Array<{ item: string; rule: string; points: number; message: string }>
    criticalFailures: Array<{ id: string; rule: string; message: string }>
  }
}

export interface PreviewReplay {
  /** How many of the intents asked for were re-sent and accepted. */
  replayed: number
  requested: number
  /** Where the replay stopped, or null when every intent was on offer again. */
  stopped: { index: number; action: string; reason: string } | null
}

export interface PreviewState {
  /** The scratch call's id: a call on the preview's own store, never in a trainee's history or the review queue. */
  previewId: string
  scenarioId: string
  hash: string
  view: ConsoleView
  debug: PreviewDebug
  /** The intents accepted so far, in order: what the next replay re-sends. */
  intents: AgentAction[]
  replay: PreviewReplay | null
}

const scenarioId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/).max(100)
const previewId = z.string().uuid()

export const WORKBENCH_API_METHODS = {
  'workbench.library': z.strictObject({}),
  /** Answers as soon as the library's revision differs from `revision`, or after `timeoutMs` with it unchanged. */
  'workbench.wait': z.strictObject({ revision: z.number().int().min(0), timeoutMs: z.number().int().min(0).max(60_000).default(25_000) }),
  /** `path` is typed in the browser preview; without it, the desktop app shows its folder dialog. */
  'workbench.addFolder': z.strictObject({ path: z.string().min(1).max(4096).optional() }),
  'workbench.scenario': z.strictObject({ scenarioId }),
  /** Starts a scratch call on the scenario as it is now and re-sends `intents` until one is no longer on offer. */
  'workbench.previewStart': z.strictObject({ scenarioId, intents: z.array(IntentSchema).max(500).default([]) }),
  'workbench.previewAct': z.strictObject({ previewId, step: z.number().int().min(0), action: IntentSchema }),
} as const satisfies Record<WorkbenchMethod, z.ZodType>

export interface WorkbenchApiResults {
  'workbench.library': WorkbenchLibrary
  'workbench.wait': WorkbenchLibrary
  'workbench.addFolder': WorkbenchLibrary
  'workbench.scenario': WorkbenchScenario
  'workbench.previewStart': PreviewState
  'workbench.previewAct': PreviewState
}
