import type { CallerContext, ServiceApi } from '@core/api/contract'

/**
 * Picks the trainee profile `name` on a connection (creating it first if
 * need be), as the picker does before a call: calls are recorded under the
 * connection's profile, and a trainee reads only their own sessions.
 */
export async function pickProfile(api: ServiceApi, name: string, caller?: CallerContext): Promise<void> {
  const wanted = name.trim().toLowerCase()
  const existing = (await api['profiles.list']({}, caller)).find((p) => p.name.toLowerCase() === wanted)
  const profile = existing ?? (await api['profiles.create']({ name }, caller))
  await api['profiles.select']({ profileId: profile.id }, caller)
}
