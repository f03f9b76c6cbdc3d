import { parseApiArgs, type ApiMethod, type CallerContext, type ServiceApi } from '@core/api/contract'

/**
 * The one dispatch step of both transports (Electron IPC in ipc.ts, the
 * loopback bridge in bridge/server.ts): validate the raw argument against the
 * contract, then call the service, saying which connection called (the role
 * a connection holds, trainee or supervisor, is kept in main per connection). Neither transport adds behaviour of its own.
 *
 * Nothing in src-main/transport may import an Electron-aware file (index,
 * window, ipc, preload, protocol) or electron itself: the bridge runs under
 * plain Node, and lint enforces it (tests/layering.test.ts).
 */
export async function dispatchApiCall(services: ServiceApi, method: ApiMethod, rawArgs: unknown, caller: CallerContext): Promise<unknown> {
  const args = parseApiArgs(method, rawArgs)
  // One cast: TypeScript cannot correlate `method` with the matching args type inside the union.
  const call = services[method] as (args: unknown, caller: CallerContext) => Promise<unknown>
  return await call.call(services, args, caller)
}
