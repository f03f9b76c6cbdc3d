import { advance, replay, type CallSnapshot, type CompiledScenario } from '../engine/compile'
import { completeIntent, consoleView, refusalOf, type ConsoleView, type SessionMode } from './consoleView'
import type { AgentAction, SessionEvent } from './events'

/**
 * One call as main runs it: the compiled scenario, the acknowledged log and
 * the snapshot it leads to. An intent is checked against the view the console
 * shows now, numbered and stamped (`prepare`); only after it has been stored
 * durably does the call move (`commit`). A refused intent changes nothing.
 *
 * Platform-free, so main's call service and the renderer's test backend run
 * the very same rules.
 */
export class LiveCallState {
  private snapshot: CallSnapshot
  private log: SessionEvent[]
  private current: ConsoleView

  constructor(
    readonly compiled: CompiledScenario,
    readonly seed: number,
    readonly mode: SessionMode,
    events: readonly SessionEvent[] = [],
  ) {
    this.log = [...events]
    this.snapshot = replay(compiled, seed, this.log)
    this.current = this.derive()
  }

  get view(): ConsoleView {
    return this.current
  }

  get events(): readonly SessionEvent[] {
    return this.log
  }

  get over(): boolean {
    return this.snapshot.status !== 'active'
  }

  /**
   * The event an intent becomes, numbered after the log and stamped `at` (never
   * earlier than the last event); or, when the console did not offer it at
   * `step`, the reason, for the caller to refuse it with.
   */
  prepare(step: number, action: AgentAction, at: number): { event: SessionEvent } | { refused: string } {
    const refusal = refusalOf(this.current, step, action as AgentAction & Record<string, unknown>)
    if (refusal) return { refused: refusal }
    const last = this.log[this.log.length - 1]
    const recorded = completeIntent(this.current, action as AgentAction & Record<string, unknown>)
    return { event: { ...recorded, seq: this.log.length + 1, at: Math.max(Math.round(at), last?.at ?? 0) } as SessionEvent }
  }

  /** Move the call by an event `prepare` made and the store has acknowledged. */
  commit(event: SessionEvent): ConsoleView {
    if (event.seq !== this.log.length + 1) throw new Error(`commit: expected event ${this.log.length + 1}, got ${event.seq}`)
    this.log = [...this.log, event]
    this.snapshot = advance(this.compiled, this.snapshot, event)
    this.current = this.derive()
    return this.current
  }

  private derive(): ConsoleView {
    return consoleView({ compiled: this.compiled, snapshot: this.snapshot, events: this.log, mode: this.mode })
  }
}
