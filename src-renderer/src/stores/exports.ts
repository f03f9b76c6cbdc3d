import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { ExportProgress, ExportResult, SessionQuery } from '@core/api/contract'
import { api } from '../api'
import { describeError } from './callSession'
import { withProgress } from './progress'

export type ExportKind = 'sessions-csv' | 'rules-csv' | 'session-pdf'

const FOLDER_KEY = 'pretext.exportFolder'

/**
 * Exports go through main, which writes a temp file, fsyncs it and renames it
 * into place, so a failed export leaves nothing behind and says why. The
 * desktop app offers a folder dialog; the browser preview takes a typed folder.
 */
export const useExportStore = defineStore('exports', () => {
  const folder = ref(remembered())
  const busy = ref(false)
  const error = ref<string | null>(null)
  const done = ref<ExportResult | null>(null)
  /** While a CSV export is written: how many of the sessions it lists main has checked and written. */
  const progress = shallowRef<ExportProgress | null>(null)

  function remembered(): string {
    try {
      return globalThis.localStorage?.getItem(FOLDER_KEY) ?? ''
    } catch {
      return ''
    }
  }

  async function browse(): Promise<void> {
    error.value = null
    try {
      const chosen = await api['exports.chooseFolder']({})
      if (chosen.folder) folder.value = chosen.folder
    } catch (e) {
      error.value = describeError(e)
    }
  }

  async function run(kind: ExportKind, target: { query?: SessionQuery; sessionId?: string }, fileName: string): Promise<boolean> {
    busy.value = true
    error.value = null
    done.value = null
    try {
      const dir = folder.value.trim()
      if (!dir) throw new Error('Choose the folder to save the export in.')
      const name = fileName.trim()
      if (kind === 'session-pdf') done.value = await api['exports.sessionPdf']({ sessionId: target.sessionId!, folder: dir, fileName: name })
      else {
        const args = { query: target.query ?? {}, folder: dir, fileName: name }
        const answer = kind === 'sessions-csv' ? api['exports.sessionsCsv'](args) : api['exports.rulesCsv'](args)
        done.value = await withProgress(
          answer,
          async () => {
            const p = await api['exports.progress']({})
            return p.active ? p : null
          },
          (p) => (progress.value = p),
        )
      }
      try {
        globalThis.localStorage?.setItem(FOLDER_KEY, dir)
      } catch {
        // Only a convenience.
      }
      return true
    } catch (e) {
      error.value = describeError(e)
      return false
    } finally {
      busy.value = false
    }
  }

  /** Stops the CSV export under way: main writes nothing, and the export says so. */
  async function cancel(): Promise<void> {
    try {
      await api['exports.cancel']({})
    } catch (e) {
      error.value = describeError(e)
    }
  }

  function reset(): void {
    error.value = null
    done.value = null
  }

  return { folder, busy, error, done, progress, browse, run, cancel, reset }
})
