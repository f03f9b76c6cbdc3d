import { BrowserWindow, shell } from 'electron'
import type { BrowserWindowConstructorOptions, Session, Shell } from 'electron'
import { openExternal } from './externalLinks'

/**
 * The one window, and the guards every webContents gets. The option object and
 * the guards are plain functions so tests assert on exactly what Electron receives.
 */

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Pretext',
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      webSecurity: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  }
}

/** The slice of WebContents the guards need; a fake in tests, the real one in the app. */
export interface GuardableContents {
  on(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', listener: (event: { preventDefault(): void; url: string }) => void): unknown
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
}

/**
 * Pretext is one page: every navigation and every new window is denied. A link
 * to an allowlisted document (FCC, NIST) opens in the user's browser instead.
 */
export function guardWebContents(contents: GuardableContents, externalShell: Pick<Shell, 'openExternal'> = shell): void {
  contents.on('will-navigate', (event) => {
    event.preventDefault()
    void openExternal(event.url, externalShell).catch(() => undefined)
  })
  // Fires for the main frame too (after will-navigate); it only denies, so an
  // allowed link is opened once.
  contents.on('will-frame-navigate', (event) => event.preventDefault())
  contents.on('will-redirect', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    void openExternal(url, externalShell).catch(() => undefined)
    return { action: 'deny' }
  })
}

/** Camera, microphone, notifications, geolocation, clipboard reads...: Pretext needs none. */
export function denyAllPermissions(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
}

export function createMainWindow(preloadPath: string, url: string): BrowserWindow {
  const window = new BrowserWindow(windowOptions(preloadPath))
  window.once('ready-to-show', () => window.show())
  void window.loadURL(url)
  return window
}
