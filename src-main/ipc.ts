import type { IpcMain, IpcMainInvokeEvent } from 'electron'
import { API_METHOD_NAMES, ApiError } from '@core/api/contract'
import type { ServiceApi } from '@core/api/contract'
import { dispatchApiCall } from './transport/dispatch'
import { channelFor, encodeIpcError } from './transport/errorCodec'

/**
 * Electron IPC transport of the contract: one `api:<method>` channel per
 * method, each checking who is calling and what it sent before the shared
 * dispatch (transport/dispatch.ts) sees anything.
 */

/** "scheme://host[:port]" of a URL, or null when it has none (file:, about:, data:) or carries credentials. */
export function originOf(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (parsed.host === '' || parsed.username !== '' || parsed.password !== '') return null
  return `${parsed.protocol}//${parsed.host}`
}

export interface IpcOptions {
  /** The app's own origin, app://pretext. */
  allowedOrigin: string
  /** electron-vite dev server (ELECTRON_RENDERER_URL); pass only when not packaged. */
  devServerUrl?: string | undefined
}

type Sender = Pick<IpcMainInvokeEvent, 'senderFrame'> & { sender?: { id: number } }

/**
 * One handler per contract method. `services` may still be opening (a large
 * database's integrity check takes seconds): the window is shown at once, and
 * each call waits for them, then goes straight through.
 */
export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, services: ServiceApi | Promise<ServiceApi>, options: IpcOptions): void {
  const allowed = new Set([options.allowedOrigin])
  if (options.devServerUrl) {
    const devOrigin = originOf(options.devServerUrl)
    if (devOrigin) allowed.add(devOrigin)
  }
  const isAllowedSender = (event: Sender): boolean => {
    // senderFrame is null once the frame navigated away or was destroyed: refuse.
    const url = event.senderFrame?.url
    const origin = url === undefined ? null : originOf(url)
    return origin !== null && allowed.has(origin)
  }

  for (const method of API_METHOD_NAMES) {
    ipcMain.handle(channelFor(method), async (event: Sender, ...rest: unknown[]) => {
      try {
        if (!isAllowedSender(event)) throw new ApiError('forbidden', `${method}: refused a call from outside the app's page`)
        if (rest.length > 1) throw new ApiError('invalid-argument', `${method}: expected one argument object`)
        // One connection per window (webContents): its role (trainee or supervisor) is its own.
        return await dispatchApiCall(await services, method, rest[0], { connection: `ipc:${event.sender?.id ?? 0}` })
      } catch (error) {
        throw encodeIpcError(error)
      }
    })
  }
}
