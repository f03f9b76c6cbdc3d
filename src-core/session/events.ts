/**
 * The session log's entries are the agent actions the engine consumes, so they
 * are defined one floor down (src-core/engine/events.ts). This module keeps the
 * path the app's main and renderer code import them by.
 */
export { ActionPayloads, actionOf, NOTE_TEXT_MAX, parseSessionEvent, SessionEventSchema } from '../engine/events'
export type { ActionPayload, AgentAction, SessionEvent } from '../engine/events'
