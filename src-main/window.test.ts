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

import { createMainWindow, denyAllPermissions, guardWebContents, windowOptions } from './window'
import type { GuardableContents } from './window'

type Listener = (event: { preventDefault(): void; url: string }) => void

function fakeContents() {
  const listeners = new Map<string, Listener[]>()
  let openHandler: ((details: { url: string }) => { action: string }) | undefined
  const contents = {
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener])
      return contents
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
  return { contents: contents as unknown as GuardableContents, emit, open, listeners }
}

const ALLOWED_DOC = 'https://docs.fcc.gov/public/attachments/FCC-23-95A1.txt'

beforeEach(() => {
  electron.shell.openExternal.mockClear()
  electron.windows.length = 0
})

describe('windowOptions', () => {
  const options = windowOptions('/app/out/preload/index.js')
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

  it('is exactly what createMainWindow hands to BrowserWindow', () => {
    createMainWindow('/app/out/preload/index.js', 'app://pretext/index.html')
    expect(electron.windows).toHaveLength(1)
    expect(electron.windows[0]?.options).toEqual(windowOptions('/app/out/preload/index.js'))
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
    guardWebContents(contents, electron.shell)
    expect(emit('will-navigate', url)).toBe(true)
    expect(emit('will-frame-navigate', url)).toBe(true)
    expect(emit('will-redirect', url)).toBe(true)
  })

  it.each(['https://evil.example/', 'about:blank', 'app://pretext/index.html', ALLOWED_DOC])('denies window.open(%s)', (url) => {
    const { contents, open } = fakeContents()
    guardWebContents(contents, electron.shell)
    expect(open(url)).toEqual({ action: 'deny' })
  })

  it('denies <webview> attachment', () => {
    const { contents, emit } = fakeContents()
    guardWebContents(contents, electron.shell)
    expect(emit('will-attach-webview', '')).toBe(true)
  })

  it('hands only allowlisted documents to the browser, once per click', () => {
    const { contents, emit, open } = fakeContents()
    guardWebContents(contents, electron.shell)
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
