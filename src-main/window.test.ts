import { beforeEach, describe, expect, it, vi } from 'vitest'

const electron = vi.hoisted(() => {
  const windows: { options: unknown; loadURL: ReturnType<typeof vi.fn>; once: ReturnType<typeof vi.fn> }[] = []
  // A class so `new BrowserWindow(options)` works; it records what Electron would receive.
  class BrowserWindow {
    loadURL = vi.fn(async () => undefined)
    once = vi.fn()
    show = vi.fn()
    constructor(readonly options: unknown) {
      windows.push(this)
    }
  }
  return { windows, BrowserWindow, shell: { openExternal: vi.fn(async () => undefined) } }
})
vi.mock('electron', () => ({ BrowserWindow: electron.BrowserWindow, shell: electron.shell }))

import type { MenuItemConstructorOptions } from 'electron'
import { createMainWindow, denyAllPermissions, guardWebContents, packagedMenuTemplate, windowOptions } from './window'
import type { GuardableContents } from './window'

type Listener = (event: { preventDefault(): void; url: string }) => void

function fakeContents() {
  const listeners = new Map<string, Listener[]>()
  let openHandler: ((details: { url: string }) => { action: string }) | undefined
  const devTools = { open: false }
  const contents = {
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener])
      return contents
    },
    closeDevTools() {
      devTools.open = false
    },
    /** What Electron does when the developer tools open: they are open, then 'devtools-opened' fires. */
    openDevTools() {
      devTools.open = true
      for (const listener of listeners.get('devtools-opened') ?? []) listener({ url: '', preventDefault: () => undefined })
    },
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      openHandler = handler
    },
  }
  /** Fire an event the way Electron does and report whether some listener prevented it. */
  const emit = (event: string, url: string): boolean => {
    let prevented = false
    for (const listener of listeners.get(event) ?? []) listener({ url, preventDefault: () => (prevented = true) })
    return prevented
  }
  const open = (url: string) => {
    if (!openHandler) throw new Error('no window open handler installed')
    return openHandler({ url })
  }
  return { contents: contents as unknown as GuardableContents, emit, open, listeners, devTools, openDevTools: () => contents.openDevTools() }
}

const ALLOWED_DOC = 'https://docs.fcc.gov/public/attachments/FCC-23-95A1.txt'

beforeEach(() => {
  electron.shell.openExternal.mockClear()
  electron.windows.length = 0
})

const PACKAGED = { packaged: true }
const DEVELOPMENT = { packaged: false }

describe('windowOptions', () => {
  const options = windowOptions('/app/out/preload/index.js', PACKAGED)
  const prefs = options.webPreferences ?? {}

  it('isolates, sandboxes and keeps web security on', () => {
    expect(prefs.contextIsolation).toBe(true)
    expect(prefs.sandbox).toBe(true)
    expect(prefs.webSecurity).toBe(true)
  })

  it('gives the page no Node in any frame or worker', () => {
    expect(prefs.nodeIntegration).toBe(false)
    expect(prefs.nodeIntegrationInWorker).toBe(false)
    expect(prefs.nodeIntegrationInSubFrames).toBe(false)
  })

  it('allows no insecure content, experimental features, extra Blink features or <webview>', () => {
    expect(prefs.allowRunningInsecureContent).toBe(false)
    expect(prefs.experimentalFeatures).toBe(false)
    expect(prefs).not.toHaveProperty('enableBlinkFeatures')
    expect(prefs.webviewTag).toBe(false)
  })

  it('loads the given preload and nothing else', () => {
    expect(prefs.preload).toBe('/app/out/preload/index.js')
    expect(prefs).not.toHaveProperty('additionalArguments')
  })

  it('cannot open the developer tools in a packaged build; development keeps them', () => {
    expect(prefs.devTools).toBe(false)
    expect(windowOptions('/app/out/preload/index.js', DEVELOPMENT).webPreferences?.devTools).toBe(true)
  })

  it('differs between packaged and development in the developer tools only', () => {
    const development = windowOptions('/app/out/preload/index.js', DEVELOPMENT)
    expect({ ...development, webPreferences: { ...development.webPreferences, devTools: false } }).toEqual(options)
  })

  it('is exactly what createMainWindow hands to BrowserWindow', () => {
    createMainWindow('/app/out/preload/index.js', 'app://pretext/index.html', PACKAGED)
    expect(electron.windows).toHaveLength(1)
    expect(electron.windows[0]?.options).toEqual(windowOptions('/app/out/preload/index.js', PACKAGED))
    expect(electron.windows[0]?.loadURL).toHaveBeenCalledWith('app://pretext/index.html')
  })
})

describe('guardWebContents', () => {
  it.each([
    'https://evil.example/',
    'file:///etc/passwd',
    'app://pretext/index.html',
    'javascript:alert(1)',
    ALLOWED_DOC,
  ])('denies navigation to %s', (url) => {
    const { contents, emit } = fakeContents()
    guardWebContents(contents, PACKAGED, electron.shell)
    expect(emit('will-navigate', url)).toBe(true)
    expect(emit('will-frame-navigate', url)).toBe(true)
    expect(emit('will-redirect', url)).toBe(true)
  })

  it.each(['https://evil.example/', 'about:blank', 'app://pretext/index.html', ALLOWED_DOC])('denies window.open(%s)', (url) => {
    const { contents, open } = fakeContents()
    guardWebContents(contents, PACKAGED, electron.shell)
    expect(open(url)).toEqual({ action: 'deny' })
  })

  it('denies <webview> attachment', () => {
    const { contents, emit } = fakeContents()
    guardWebContents(contents, PACKAGED, electron.shell)
    expect(emit('will-attach-webview', '')).toBe(true)
  })

  it('hands only allowlisted documents to the browser, once per click', () => {
    const { contents, emit, open } = fakeContents()
    guardWebContents(contents, PACKAGED, electron.shell)
    emit('will-navigate', 'https://evil.example/')
    open('https://docs.fcc.gov.evil.com/')
    expect(electron.shell.openExternal).not.toHaveBeenCalled()

    emit('will-navigate', ALLOWED_DOC)
    emit('will-frame-navigate', ALLOWED_DOC)
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(1)
    open(ALLOWED_DOC)
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(2)
    expect(electron.shell.openExternal).toHaveBeenLastCalledWith(ALLOWED_DOC)
  })
})

describe('developer tools in a packaged build', () => {
  it('closes them the moment they open', () => {
    const { contents, devTools, openDevTools } = fakeContents()
    guardWebContents(contents, PACKAGED, electron.shell)
    openDevTools()
    expect(devTools.open).toBe(false)
  })

  it('leaves them open in development', () => {
    const { contents, devTools, openDevTools } = fakeContents()
    guardWebContents(contents, DEVELOPMENT, electron.shell)
    openDevTools()
    expect(devTools.open).toBe(true)
  })
})

describe('packagedMenuTemplate', () => {
  type Item = MenuItemConstructorOptions
  const items = (template: Item[]): Item[] => template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])])
  const roles = (template: Item[]) => items(template).map((item) => item.role).filter(Boolean)

  it.each(['linux', 'win32', 'darwin'] as const)('on %s: quit and the edit roles, and no reload, developer tools or zoom', (platform) => {
    const template = packagedMenuTemplate(platform)
    expect(roles(template)).toEqual(expect.arrayContaining(['quit', 'undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']))
    for (const role of ['toggleDevTools', 'reload', 'forceReload', 'viewMenu', 'zoomIn', 'zoomOut', 'resetZoom']) expect(roles(template)).not.toContain(role)
    // Nothing hand-made either: every item is a role or a separator, so none can call openDevTools or reload.
    for (const item of items(template)) expect(item.role ?? item.type ?? (Array.isArray(item.submenu) ? 'submenu' : undefined), item.label).toBeDefined()
    expect(items(template).some((item) => 'click' in item || 'accelerator' in item)).toBe(false)
  })

  it('puts quit in the application menu on macOS and in File elsewhere', () => {
    expect(packagedMenuTemplate('darwin')[0]?.label).toBe('Pretext')
    expect(packagedMenuTemplate('linux')[0]).toEqual({ label: 'File', submenu: [{ role: 'quit' }] })
  })
})

describe('denyAllPermissions', () => {
  it('denies every permission request and check', () => {
    let requestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | null = null
    let checkHandler: ((contents: unknown, permission: string, origin: string, details: unknown) => boolean) | null = null
    const session = {
      setPermissionRequestHandler: vi.fn((handler: typeof requestHandler) => (requestHandler = handler)),
      setPermissionCheckHandler: vi.fn((handler: typeof checkHandler) => (checkHandler = handler)),
    }
    denyAllPermissions(session as never)
    expect(requestHandler).not.toBeNull()
    expect(checkHandler).not.toBeNull()
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'unknown']) {
      const callback = vi.fn()
      requestHandler!(null, permission, callback, { requestingUrl: 'app://pretext/index.html' })
      expect(callback).toHaveBeenCalledExactlyOnceWith(false)
      expect(checkHandler!(null, permission, 'app://pretext', {})).toBe(false)
    }
  })
})
