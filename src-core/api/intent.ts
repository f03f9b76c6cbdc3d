import { z } from 'zod'
import { AGENT_ACTIONS } from '../scenario/vocabulary'
import { ActionPayloads, type AgentAction } from '../session/events'

/**
 * The trainee's intent: an action and its parameters, nothing else. Main
 * numbers it, stamps its time and decides whether the console offered it.
 */
export const IntentSchema = z.unknown().transform((value, ctx): AgentAction => {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined
  if (typeof type !== 'string' || !(AGENT_ACTIONS as readonly string[]).includes(type)) {
    ctx.addIssue({ code: 'custom', message: `not an action the console knows (${JSON.stringify(type ?? null)})` })
    return z.NEVER
  }
  const { type: _t, ...payload } = value as Record<string, unknown>
  const body = ActionPayloads[type as AgentAction['type']].safeParse(payload)
  if (!body.success) {
    ctx.addIssue({ code: 'custom', message: `${type}: ${body.error.issues.map((i) => `${i.path.join('.') || 'parameters'}: ${i.message}`).join('; ')}` })
    return z.NEVER
  }
  return { type, ...body.data } as AgentAction
}) as unknown as z.ZodType<AgentAction, AgentAction>

