import { beforeAll, describe, expect, it, vi } from 'vitest'
import { API_METHOD_NAMES } from '@core/api/contract'

// The app's wiring, run against a recording stand-in for Electron: what main
// registers before and after 'ready', and with which arguments.
const electron = vi.hoisted(() => {
  const appHandlers = new Map<string, ((...args: unknown[]) => unknown)[]>()
  const windows: { options: unknown; url?: string }[] = []
  class BrowserWindow {
    static getAllWindows = () => windows
    record: { options: unknown; url?: string }
    constructor(options: unknown) {
      this.record = { options }
      windows.push(this.record)
    }
    once() {}
    async loadURL(url: string) {
      this.record.url = url
    }
  }
  return {
    appHandlers,
    windows,
    module: {
      app: {
        enableSandbox: vi.fn(),
        requestSingleInstanceLock: vi.fn(() => true),
        whenReady: vi.fn(async () => undefined),
        on: vi.fn((event: string, handler: (...args: unknown[]) => unknown) => appHandlers.set(event, [...(appHandlers.get(event) ?? []), handler])),
        getPath: vi.fn(() => '/tmp/pretext-user-data'),
        isPackaged: true,
        quit: vi.fn(),
        exit: vi.fn(),
      },
      protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
      session: { defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() } },
      ipcMain: { handle: vi.fn() },
      dialog: { showErrorBox: vi.fn() },
      shell: { openExternal: vi.fn() },
      Menu: { buildFromTemplate: vi.fn((template: unknown) => ({ template })), setApplicationMenu: vi.fn() },
      BrowserWindow,
    },
  }
})
vi.mock('electron', () => electron.module)
// The services open only when the test says so (a large database's integrity check takes seconds).
const opening = vi.hoisted(() => {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  return { gate, release }
})
vi.mock('./services/index', () => ({
  createServices: vi.fn(async () => {
    await opening.gate
    return {
      api: Object.fromEntries(API_METHOD_NAMES.map((m) => [m, vi.fn(async () => ({ method: m }))])),
      close: vi.fn(),
    }
  }),
}))
// Stand in for the .native/ Electron build of better-sqlite3, which cannot be made on this machine.
vi.mock('node:fs', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:fs')>()), existsSync: () => true }))

let main: typeof import('./index')
let services: typeof import('./services/index')

/** What the page's first call did while the services were still opening. */
let earlyCall: { settledBeforeOpen: boolean; answer: unknown }

beforeAll(async () => {
  main = await import('./index')
  services = await import('./services/index')
  // The window is up before the services have opened, and a call made now waits for them.
  await vi.waitFor(() => expect(electron.windows).toHaveLength(1))
  const handler = electron.module.ipcMain.handle.mock.calls.find(([channel]) => channel === 'api:library.list')![1] as (event: unknown, args: unknown) => Promise<unknown>
  let settled = false
  const call = handler({ senderFrame: { url: 'app://pretext/index.html' }, sender: { id: 1 } }, {}).finally(() => (settled = true))
  await new Promise((resolve) => setTimeout(resolve, 20))
  const settledBeforeOpen = settled
  opening.release()
  earlyCall = { settledBeforeOpen, answer: await call }
  await vi.waitFor(() => expect(electron.appHandlers.has('will-quit')).toBe(true))
})

describe('main process wiring', () => {
  const { app, protocol, session, ipcMain, dialog } = electron.module

  it('starts without an error dialog', () => {
    expect(dialog.showErrorBox).not.toHaveBeenCalled()
  })

  it('opens the window while the services open; the page’s first calls wait for them, then go through', () => {
    expect(earlyCall).toEqual({ settledBeforeOpen: false, answer: { method: 'library.list' } })
  })

  it('registers app:// as privileged and enables the sandbox for all renderers before ready', () => {
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ])
    expect(protocol.registerSchemesAsPrivileged.mock.invocationCallOrder[0]).toBeLessThan(app.whenReady.mock.invocationCallOrder[0] ?? 0)
    expect(app.enableSandbox.mock.invocationCallOrder[0]).toBeLessThan(app.whenReady.mock.invocationCallOrder[0] ?? 0)
    expect(app.requestSingleInstanceLock).toHaveBeenCalled()
  })

  it('denies every permission request and check on the default session', () => {
    const [request] = session.defaultSession.setPermissionRequestHandler.mock.calls[0] as [
      (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
    ]
    const callback = vi.fn()
    request(null, 'media', callback)
    expect(callback).toHaveBeenCalledExactlyOnceWith(false)
    const [check] = session.defaultSession.setPermissionCheckHandler.mock.calls[0] as [(...args: unknown[]) => boolean]
    expect(check(null, 'clipboard-read', 'app://pretext', {})).toBe(false)
  })

  it('serves the renderer through app:// from the build next to main', () => {
    expect(protocol.handle).toHaveBeenCalledWith('app', expect.any(Function))
  })

  it('builds services on the user-data folder, the bundled scenarios and the Electron build of SQLite, with the desktop exports', () => {
    expect(services.createServices).toHaveBeenCalledWith({
      dataDir: '/tmp/pretext-user-data',
      scenariosDir: main.APP_PATHS.scenariosDir,
      nativeBinding: main.APP_PATHS.nativeBinding,
      chooseFolder: main.desktopExports.chooseFolder,
      chooseScenarioFolder: main.desktopExports.chooseScenarioFolder,
      printPdf: main.desktopExports.printPdf,
    })
  })

  it('registers one IPC channel per contract method', () => {
    expect(ipcMain.handle.mock.calls.map(([channel]) => channel).sort()).toEqual(API_METHOD_NAMES.map((m) => `api:${m}`).sort())
  })

  it('opens one window with the secure options and the built preload, on app://pretext (packaged: never the dev server)', async () => {
    const { windowOptions } = await import('./window')
    expect(electron.windows[0]?.options).toEqual(windowOptions(main.APP_PATHS.preload, { packaged: true }))
    expect(electron.windows[0]?.url).toBe('app://pretext/index.html')
  })

  it('packaged: replaces the default menu with the minimal one (no reload, no developer tools)', async () => {
    const { packagedMenuTemplate } = await import('./window')
    expect(electron.module.Menu.buildFromTemplate).toHaveBeenCalledWith(packagedMenuTemplate(process.platform))
    expect(electron.module.Menu.setApplicationMenu).toHaveBeenCalledWith({ template: packagedMenuTemplate(process.platform) })
  })

  it('guards every web contents the app creates, closing developer tools in a packaged build', () => {
    const [created] = electron.appHandlers.get('web-contents-created') ?? []
    const contents = { on: vi.fn(), setWindowOpenHandler: vi.fn(), closeDevTools: vi.fn() }
    created?.({}, contents)
    expect(contents.on.mock.calls.map(([event]) => event)).toEqual(
      expect.arrayContaining(['will-navigate', 'will-frame-navigate', 'will-attach-webview', 'devtools-opened']),
    )
    expect(contents.setWindowOpenHandler).toHaveBeenCalledTimes(1)
  })

  it('quits when the window closes and closes the services on the way out', () => {
    expect(electron.appHandlers.has('window-all-closed')).toBe(true)
    expect(electron.appHandlers.has('will-quit')).toBe(true)
  })
})
