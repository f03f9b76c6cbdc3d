import { problem, type PendingProblem, type ProblemPath } from './lint'
import { actionsOf, type Branch, type Condition, type Scenario } from './schema'
import { WITH_KEY_ACTION, type AgentActionType } from './vocabulary'

/**
 * Branches that can never fire because an earlier one catches every case
 * they would: the first matching branch wins (the beat's own in order, then
 * the global ones), so a later branch with the same action, a `with` at least
 * as narrow and the same `when` (or an earlier one with none) is dead text.
 * A branch for several actions that is shadowed for some of them is reported
 * for those.
 *
 * Only what is certain is reported: conditions are compared as written, not
 * solved, so an earlier `when` that merely implies the later one is not
 * counted as catching it.
 */


interface Placed {
  branch: Branch
  at: ProblemPath
}

export function shadowedBranchProblems(scenario: Scenario): PendingProblem[] {
  const out: PendingProblem[] = []
  const lists: Placed[][] = [
    ...Object.entries(scenario.beats).map(([beat, b]) => b.on.map((branch, i) => ({ branch, at: ['beats', beat, 'on', i] as ProblemPath }))),
    scenario.on.map((branch, i) => ({ branch, at: ['on', i] as ProblemPath })),
  ]
  for (const branches of lists) {
    branches.forEach((later, j) => {
      const caught: Array<{ action: AgentActionType; by: Placed }> = []
      const live = actionsOf(later.branch).filter((a) => firesFor(later.branch, a))
      for (const action of live) {
        const by = branches.slice(0, j).find((earlier) => catches(earlier.branch, later.branch, action))
        if (by) caught.push({ action, by })
      }
      if (!caught.length) return
      const where = (p: Placed) => p.at.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('')
      const first = caught[0]!.by
      if (caught.length === live.length && live.length > 0) {
        out.push(problem('warning', later.at, `this branch never fires: ${where(first)} comes first and catches every case it would`, 'put the narrower branch first (more `with` or a `when`), or remove this one'))
      } else {
        for (const { action, by } of caught)
          out.push(problem('warning', later.at, `this branch never fires for ${action}: ${where(by)} comes first and catches it`, `remove ${action} from this branch, or put it before ${where(by)}`))
      }
    })
  }
  return out
}

/** A branch whose `with` names a parameter of another action never fires for this one. */
function firesFor(branch: Branch, action: AgentActionType): boolean {
  return Object.entries(branch.with ?? {}).every(([key, value]) => value === undefined || WITH_KEY_ACTION[key] === action)
}

/** Does `earlier` match every event for `action` that `later` matches? */
function catches(earlier: Branch, later: Branch, action: AgentActionType): boolean {
  if (!actionsOf(earlier).includes(action) || !firesFor(earlier, action)) return false
  const narrow = Object.entries(earlier.with ?? {}).every(([key, value]) => value === undefined || (later.with as Record<string, unknown> | undefined)?.[key] === value)
  if (!narrow) return false
  return earlier.when === undefined || (later.when !== undefined && sameCondition(earlier.when, later.when))
}

function sameCondition(a: Condition, b: Condition): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
