import { BrowserWindow, shell } from 'electron'
import type { BrowserWindowConstructorOptions, MenuItemConstructorOptions, Session, Shell } from 'electron'
import { openExternal } from './externalLinks'

/**
 * The one window, and the guards every webContents gets. The option object and
 * the guards are plain functions so tests assert on exactly what Electron receives.
 */

/**
 * What differs between a packaged build and development. A packaged build has
 * no back doors: the developer tools cannot open (a trainee could read the
 * whole scenario, ground truth included, from the renderer) and the menu has
 * no reload or devtools items. Development keeps both.
 */
export interface BuildKind {
  packaged: boolean
}

export function windowOptions(preloadPath: string, { packaged }: BuildKind): BrowserWindowConstructorOptions {
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
      devTools: !packaged,
    },
  }
}

/** The slice of WebContents the guards need; a fake in tests, the real one in the app. */
export interface GuardableContents {
  on(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', listener: (event: { preventDefault(): void; url: string }) => void): unknown
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown
  on(event: 'devtools-opened', listener: () => void): unknown
  closeDevTools(): void
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
}

/**
 * Pretext is one page: every navigation and every new window is denied. A link
 * to an allowlisted document (FCC, NIST) opens in the user's browser instead.
 * In a packaged build, developer tools that open anyway (a webContents made
 * without our options, a future API) are closed at once.
 */
export function guardWebContents(contents: GuardableContents, { packaged }: BuildKind, externalShell: Pick<Shell, 'openExternal'> = shell): void {
  if (packaged) contents.on('devtools-opened', () => contents.closeDevTools())
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

/**
 * The packaged build's whole menu: quitting, and the edit roles text fields
 * need for copy and paste shortcuts (on macOS those work only through a menu).
 * No reload, no developer tools, no zoom.
 */
export function packagedMenuTemplate(platform: NodeJS.Platform): MenuItemConstructorOptions[] {
  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  }
  if (platform === 'darwin') {
    return [{ label: 'Pretext', submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { type: 'separator' }, { role: 'quit' }] }, edit]
  }
  return [{ label: 'File', submenu: [{ role: 'quit' }] }, edit]
}

export function createMainWindow(preloadPath: string, url: string, build: BuildKind): BrowserWindow {
  const window = new BrowserWindow(windowOptions(preloadPath, build))
  window.once('ready-to-show', () => window.show())
  void window.loadURL(url)
  return window
}
