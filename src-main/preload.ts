import { contextBridge, ipcRenderer } from 'electron'
import { API_METHOD_NAMES } from '@core/api/methods'
import type { PretextApi } from '@core/api/contract'
import { channelFor, decodeIpcError } from './transport/errorCodec'

/**
 * The page's whole view of main: one function per contract method, built from
 * the contract's list, each bound to its own channel. The page never gets
 * ipcRenderer, a channel name, or a way to send anything else.
 *
 * Bundled into one CommonJS file (see electron.vite.config.ts): a sandboxed
 * preload cannot load ES modules or a second file.
 */

export type Invoke = (channel: string, args: unknown) => Promise<unknown>

export function buildPreloadApi(invoke: Invoke): PretextApi {
  const api: Record<string, (args: unknown) => Promise<unknown>> = {}
  for (const method of API_METHOD_NAMES) {
    const channel = channelFor(method)
    // contextBridge keeps only the message of a thrown Error, so reject with
    // plain data ({ name, code, message }); src-renderer/src/api.ts turns it back into an ApiError.
    api[method] = (args: unknown) => invoke(channel, args).catch((error: unknown) => Promise.reject(decodeIpcError(error)))
  }
  return Object.freeze(api) as unknown as PretextApi
}

contextBridge.exposeInMainWorld(
  'api',
  buildPreloadApi((channel, args) => ipcRenderer.invoke(channel, args)),
)
