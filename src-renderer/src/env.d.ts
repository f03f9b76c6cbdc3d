/// <reference types="vite/client" />
import type { PretextApi } from '@core/api/contract'

declare global {
  interface Window {
    /** Set by src-main/preload.ts in Electron; absent in a browser. Read it only through src/api.ts. */
    api?: PretextApi
  }
}

export {}
