import { vi } from 'vitest'
import { API_METHOD_NAMES, type ApiMethod, type PretextApi } from '@core/api/contract'

/** A PretextApi whose every method records its call and answers `{ ok: method }`: for testing the transports alone. */
export function fakeServices(): { services: PretextApi; calls: { method: ApiMethod; args: unknown }[] } {
  const calls: { method: ApiMethod; args: unknown }[] = []
  const services = Object.fromEntries(
    API_METHOD_NAMES.map((method) => [
      method,
      vi.fn(async (args: unknown) => {
        calls.push({ method, args })
        return { ok: method }
      }),
    ]),
  ) as unknown as PretextApi
  return { services, calls }
}
