import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { PreviewState, WorkbenchFile, WorkbenchLibrary, WorkbenchScenario } from '@core/api/contract'
import type { AgentAction } from '@core/session/events'
import { api, toApiError } from '../api'

/**
 * The author's workbench (supervisor mode): the library file by file, the
 * selected scenario's graph, a preview call and its debug panel.
 *
 * Live reload is a long poll: `workbench.wait` answers as soon as main has
 * reloaded a saved file. Then the graph is fetched again and, as in Inky, the
 * preview starts over on the new version and main re-sends the author's last
 * choices until one is no longer on offer.
 */
export const useWorkbenchStore = defineStore('workbench', () => {
  const library = ref<WorkbenchLibrary | null>(null)
  /** The selected file (as the library names it): a file stays selected while it is broken. */
  const selectedPath = ref<string | null>(null)
  /** The scenario id of the selected file when it last loaded. */
  const selectedId = ref<string | null>(null)
  const scenario = ref<WorkbenchScenario | null>(null)
  const preview = ref<PreviewState | null>(null)
  const error = ref<string | null>(null)
  const previewError = ref<string | null>(null)
  const folderError = ref<string | null>(null)
  const busy = ref(false)
  /** When the graph on screen was last replaced after a save (performance.now()), for the benchmark and the "updated" note. */
  const graphUpdatedAt = ref<number | null>(null)
  let watching = false

  const selectedFile = computed<WorkbenchFile | null>(() => {
    return library.value?.files.find((f) => f.file === selectedPath.value) ?? null
  })
  const brokenCount = computed(() => library.value?.files.filter((f) => f.state === 'problems').length ?? 0)
  /** The preview's beat, or null when there is no preview (the graph highlights it). */
  const currentBeat = computed(() => preview.value?.debug.beat ?? null)

  async function open(): Promise<void> {
    error.value = null
    try {
      library.value = await api['workbench.library']({})
      if (!selectedPath.value) {
        const first = library.value.files.find((f) => f.scenarioId)
        if (first) await select(first.file)
      }
    } catch (e) {
      error.value = toApiError(e).message
      return
    }
    void watch()
  }

  /** Follows main's reloads until `close()`; each answer is a library that changed (or the same one after the poll's timeout). */
  async function watch(): Promise<void> {
    if (watching) return
    watching = true
    while (watching && library.value) {
      let next: WorkbenchLibrary
      try {
        next = await api['workbench.wait']({ revision: library.value.revision, timeoutMs: 20_000 })
      } catch (e) {
        error.value = `Live reload stopped: ${toApiError(e).message}`
        watching = false
        return
      }
      if (!watching) return
      const changed = next.revision !== library.value.revision
      library.value = next
      if (changed) await onLibraryChanged()
    }
  }

  function close(): void {
    watching = false
  }

  async function onLibraryChanged(): Promise<void> {
    const file = selectedFile.value
    // A broken save keeps the last good graph and preview on screen, beside the file's problems.
    if (!file?.scenarioId || file.state !== 'valid') return
    const id = file.scenarioId
    if (id !== selectedId.value) preview.value = null
    selectedId.value = id
    let next: WorkbenchScenario
    try {
      next = await api['workbench.scenario']({ scenarioId: id })
    } catch (e) {
      previewError.value = toApiError(e).message
      return
    }
    if (scenario.value && next.hash === scenario.value.hash) return
    scenario.value = next
    graphUpdatedAt.value = performance.now()
    await startPreview(preview.value?.intents ?? [])
  }

  async function select(path: string): Promise<void> {
    if (selectedPath.value === path) return
    selectedPath.value = path
    scenario.value = null
    preview.value = null
    previewError.value = null
    const scenarioId = selectedFile.value?.scenarioId ?? null
    selectedId.value = scenarioId
    if (!scenarioId) return
    try {
      scenario.value = await api['workbench.scenario']({ scenarioId })
    } catch (e) {
      previewError.value = toApiError(e).message
      return
    }
    await startPreview([])
  }

  /** A fresh preview call on the scenario as it is now, re-sending `intents` (main stops at the first one no longer on offer). */
  async function startPreview(intents: AgentAction[]): Promise<void> {
    const id = selectedId.value
    if (!id) return
    busy.value = true
    previewError.value = null
    try {
      preview.value = await api['workbench.previewStart']({ scenarioId: id, intents })
    } catch (e) {
      previewError.value = toApiError(e).message
    } finally {
      busy.value = false
    }
  }

  async function act(action: AgentAction): Promise<void> {
    const p = preview.value
    if (!p || busy.value) return
    busy.value = true
    previewError.value = null
    try {
      preview.value = await api['workbench.previewAct']({ previewId: p.previewId, step: p.view.step, action })
    } catch (e) {
      previewError.value = toApiError(e).message
    } finally {
      busy.value = false
    }
  }

  async function addFolder(path: string | undefined): Promise<boolean> {
    folderError.value = null
    try {
      library.value = await api['workbench.addFolder'](path === undefined ? {} : { path })
      return true
    } catch (e) {
      folderError.value = toApiError(e).message
      return false
    }
  }

  return {
    library,
    selectedPath,
    selectedId,
    selectedFile,
    scenario,
    preview,
    error,
    previewError,
    folderError,
    busy,
    graphUpdatedAt,
    brokenCount,
    currentBeat,
    open,
    close,
    select,
    startPreview,
    act,
    addFolder,
  }
})
