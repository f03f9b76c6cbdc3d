import type { Policy } from '@core/engine/policy'
import type { Scenario } from '@core/scenario/schema'
import {
  DISCLOSABLE_FIELDS,
  DISCLOSABLE_LABELS,
  ESCALATION_TEAMS,
  HRT_KINDS,
  HRT_LABELS,
  KNOWLEDGE_LABELS,
  KNOWLEDGE_QUESTIONS,
  OTP_DESTINATIONS,
  OTP_DESTINATION_LABELS,
  SAFE_PATHS,
  SAFE_PATH_LABELS,
  TEAM_LABELS,
} from '@core/scenario/vocabulary'
import type { AgentAction } from '@core/session/events'
import { formatAmount } from '../format'
import type { ChooserKind } from './tools'

export interface ChooserOption {
  id: string
  label: string
  /** A second line: where it goes, what it does. Facts only, never a verdict. */
  detail?: string
}

export interface ChooserSpec {
  title: string
  options: ChooserOption[]
}

/** "dana.w@example.com" → "d•••••@example.com": enough to pick it, not to read it out. */
export function maskEmail(address: string): string {
  const at = address.indexOf('@')
  if (at < 1) return '•••'
  return `${address[0]}${'•'.repeat(Math.min(6, at - 1) || 1)}${address.slice(at)}`
}

/**
 * The options of each chooser. Traps are listed like any other option, as in
 * real tools: "a number the caller gives" sits beside "line of record".
 */
export function chooserSpec(kind: Exclude<ChooserKind, 'hrt'> | 'hrt', scenario: Scenario, policy: Policy): ChooserSpec {
  const { account, callerFacts } = scenario
  switch (kind) {
    case 'otp': {
      const where: Record<(typeof OTP_DESTINATIONS)[number], string> = {
        'line-of-record': account.line,
        'email-of-record': maskEmail(account.email.address),
        'calling-number': callerFacts.callingFrom.number,
        'caller-supplied': callerFacts.suppliedNumber ? `As read out by the caller: ${callerFacts.suppliedNumber}` : 'The number the caller reads out',
        'new-sim': 'The SIM or eSIM in the caller’s new device',
      }
      return {
        title: 'Send a one-time code to…',
        options: OTP_DESTINATIONS.map((d) => ({ id: d, label: OTP_DESTINATION_LABELS[d], detail: where[d] })),
      }
    }
    case 'knowledge':
      return {
        title: 'Ask the caller for…',
        options: KNOWLEDGE_QUESTIONS.map((q) => ({ id: q, label: KNOWLEDGE_LABELS[q] })),
      }
    case 'detail':
      return {
        title: 'Confirm to the caller: read out the…',
        options: DISCLOSABLE_FIELDS.map((f) => ({ id: f, label: DISCLOSABLE_LABELS[f] })),
      }
    case 'team':
      return {
        title: 'Escalate to…',
        options: ESCALATION_TEAMS.map((t) => ({ id: t, label: TEAM_LABELS[t] })),
      }
    case 'safe-path':
      return {
        title: 'Offer the caller…',
        options: SAFE_PATHS.map((p) => ({
          id: p,
          label: SAFE_PATH_LABELS[p],
          // The hold's length is the policy's (R12), so the label leaves it to this line.
          ...(p === 'remote-fallback' ? { detail: `The new SIM works only after a hold of ${formatAmount(policy.remoteHoldHours, 'hour')}` } : {}),
        })),
      }
    case 'hrt':
      return {
        title: 'High-risk transaction',
        options: HRT_KINDS.map((k) => ({
          id: k,
          label: HRT_LABELS[k],
          ...(k === scenario.request.kind ? { detail: 'What the caller is asking for' } : {}),
        })),
      }
  }
}

/** The action a chooser's pick stands for (all but the high-risk one, which asks for confirmation first). */
export function actionForChoice(kind: Exclude<ChooserKind, 'hrt'>, id: string): AgentAction {
  switch (kind) {
    case 'otp':
      return { type: 'send-otp', to: id as (typeof OTP_DESTINATIONS)[number] }
    case 'knowledge':
      return { type: 'ask-knowledge', question: id as (typeof KNOWLEDGE_QUESTIONS)[number] }
    case 'detail':
      return { type: 'confirm-detail', field: id as (typeof DISCLOSABLE_FIELDS)[number] }
    case 'team':
      return { type: 'escalate', team: id as (typeof ESCALATION_TEAMS)[number] }
    case 'safe-path':
      return { type: 'offer-safe-path', path: id as (typeof SAFE_PATHS)[number] }
  }
}
