import type { Speaker } from '@core/engine/world'

/** Who said a line, as the console, the report and the screen reader name them. */
export const SPEAKER_NAMES: Record<Speaker, string> = { caller: 'Caller', agent: 'You', system: 'System', policy: 'Policy' }
