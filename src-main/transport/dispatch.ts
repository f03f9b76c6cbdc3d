import { parseApiArgs, type ApiMethod, type PretextApi } from '@core/api/contract'

/**
 * The one dispatch step of both transports (Electron IPC in ipc.ts, the
 * loopback bridge in bridge/server.ts): validate the raw argument against the
 * contract, then call the service. Neither transport adds behaviour of its own.
 *
 * Nothing in src-main/transport may import an Electron-aware file (index,
 * window, ipc, preload, protocol) or electron itself: the bridge runs under
 * plain Node, and lint enforces it (tests/layering.test.ts).
 */
export async function dispatchApiCall(services: PretextApi, method: ApiMethod, rawArgs: unknown): Promise<unknown> {
  const args = parseApiArgs(method, rawArgs)
  // One cast: TypeScript cannot correlate `method` with the matching args type inside the union.
  const call = services[method] as (args: unknown) => Promise<unknown>
  return await call.call(services, args)
}
