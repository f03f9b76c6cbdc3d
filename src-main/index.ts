import { existsSync } from 'node:fs'
import path from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, webContents } from 'electron'
import type { CallerContext } from '@core/api/contract'
import { registerIpc } from './ipc'
import { APP_ORIGIN, APP_SCHEME_PRIVILEGES, registerAppProtocol } from './protocol'
import { createServices } from './services/index'
import { createMainWindow, denyAllPermissions, guardWebContents, packagedMenuTemplate, type BuildKind } from './window'

/**
 * App lifecycle and wiring only: what runs where lives in protocol.ts,
 * window.ts, ipc.ts and the services.
 */

export interface AppPaths {
  preload: string
  rendererDir: string
  rendererEntry: string
  scenariosDir: string
  /** better-sqlite3 built for Electron's ABI by the native step of npm start (scripts/electron/native.ts, same path rule). */
  nativeBinding: string
}

/**
 * Every path main loads, from the bundle's own directory (out/main): never from
 * the working directory, which differs between `npm start`, a packaged app and
 * a double-click. The scenarios are read in place at the app root (the repo
 * root in development, where authors edit them), not copied into out/.
 */
export function appPaths(mainDir: string, electronVersion: string): AppPaths {
  const appRoot = path.join(mainDir, '..', '..')
  const rendererDir = path.join(mainDir, '..', 'renderer')
  return {
    preload: path.join(mainDir, '..', 'preload', 'index.js'),
    rendererDir,
    rendererEntry: path.join(rendererDir, 'index.html'),
    scenariosDir: path.join(appRoot, 'scenarios'),
    nativeBinding: path.join(appRoot, '.native', `electron-${electronVersion}`, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
  }
}

export const APP_PATHS = appPaths(__dirname, process.versions.electron ?? 'unknown')

/** The window behind an IPC connection ("ipc:<webContents id>", see ipc.ts), if it is still open. */
function windowOf(caller: CallerContext): Electron.WebContents | null {
  const id = Number(/^ipc:(\d+)$/.exec(caller.connection)?.[1])
  const contents = Number.isInteger(id) ? webContents.fromId(id) : undefined
  return contents && !contents.isDestroyed() ? contents : null
}

/**
 * What only the desktop app can do for exports: a folder dialog (main keeps
 * which folders each window chose, so a page cannot name any folder it
 * likes), and a PDF of the window as it shows the print view.
 */
export const desktopExports = {
  chooseFolder: async (caller: CallerContext): Promise<string | null> => {
    const contents = windowOf(caller)
    const owner = contents ? BrowserWindow.fromWebContents(contents) : null
    const options: Electron.OpenDialogOptions = { title: 'Choose the folder to export to', properties: ['openDirectory', 'createDirectory'] }
    const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options)
    return result.canceled ? null : (result.filePaths[0] ?? null)
  },
  /** The workbench's "Add a folder of scenarios": the same dialog, asking for the folder to read. */
  chooseScenarioFolder: async (caller: CallerContext): Promise<string | null> => {
    const contents = windowOf(caller)
    const owner = contents ? BrowserWindow.fromWebContents(contents) : null
    const options: Electron.OpenDialogOptions = { title: 'Add a folder of scenarios', properties: ['openDirectory'] }
    const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options)
    return result.canceled ? null : (result.filePaths[0] ?? null)
  },
  printPdf: async (caller: CallerContext): Promise<Uint8Array> => {
    const contents = windowOf(caller)
    if (!contents) throw new Error('the window that asked for the PDF is closed')
    return contents.printToPDF({ printBackground: true, pageSize: 'A4' })
  },
}

async function start(build: BuildKind, onWindow: (window: BrowserWindow) => void): Promise<void> {
  denyAllPermissions(session.defaultSession)
  // Development keeps Electron's default menu (reload, developer tools); a packaged build gets the minimal one.
  if (build.packaged) Menu.setApplicationMenu(Menu.buildFromTemplate(packagedMenuTemplate(process.platform)))
  registerAppProtocol(protocol, APP_PATHS.rendererDir)

  if (!existsSync(APP_PATHS.nativeBinding)) {
    throw new Error(
      `The SQLite module built for Electron is missing:\n${APP_PATHS.nativeBinding}\n\nRun "npm run native" (npm start does this first).`,
    )
  }
  // The window opens while the services do: opening checks the whole session database
  // (integrity_check), which takes seconds on a large one, and the page's first calls wait for it.
  const opening = createServices({
    dataDir: app.getPath('userData'),
    scenariosDir: APP_PATHS.scenariosDir,
    nativeBinding: APP_PATHS.nativeBinding,
    ...desktopExports,
  })

  // electron-vite dev serves the renderer from its dev server; never trust that URL in a packaged app.
  const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL']
  const api = opening.then((services) => services.api)
  // A failure to open is reported once, by start's caller (the dialog); calls made meanwhile get it too.
  api.catch(() => undefined)
  registerIpc(ipcMain, api, { allowedOrigin: APP_ORIGIN, devServerUrl })

  const url = devServerUrl ?? `${APP_ORIGIN}/index.html`
  onWindow(createMainWindow(APP_PATHS.preload, url, build))
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) onWindow(createMainWindow(APP_PATHS.preload, url, build))
  })
  const services = await opening
  app.on('will-quit', () => services.close())
}

function main(): void {
  // Both must happen before 'ready'.
  protocol.registerSchemesAsPrivileged([{ ...APP_SCHEME_PRIVILEGES, privileges: { ...APP_SCHEME_PRIVILEGES.privileges } }])
  app.enableSandbox()

  // One instance owns the database; a second launch focuses the first and exits.
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return
  }
  const build: BuildKind = { packaged: app.isPackaged }
  let mainWindow: BrowserWindow | null = null
  app.on('second-instance', () => {
    if (!mainWindow || mainWindow.isDestroyed()) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, build))
  app.on('window-all-closed', () => app.quit())

  app
    .whenReady()
    .then(() => start(build, (window) => (mainWindow = window)))
    .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error)
      console.error(error)
      dialog.showErrorBox('Pretext could not start', message)
      app.exit(1)
    })
}

main()
