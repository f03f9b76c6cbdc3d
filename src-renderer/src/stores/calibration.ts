import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { CalibrationReport, SessionListRow } from '@core/api/contract'
import { api } from '../api'
import { describeError } from './callSession'

/** Calibration: sessions to grade blind, and how far the graders (and the scorer) agree. */
export const useCalibrationStore = defineStore('calibration', () => {
  const candidates = shallowRef<SessionListRow[]>([])
  const report = shallowRef<CalibrationReport | null>(null)
  const threshold = ref(10)
  const error = ref<string | null>(null)
  const loading = ref(false)

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const [page, agreement] = await Promise.all([
        api['sessions.query']({ mode: 'assessment', status: 'finished', compliance: undefined, sort: 'startedAt', direction: 'desc', limit: 30 }),
        api['calibration.report']({ threshold: threshold.value }),
      ])
      candidates.value = page.rows.filter((r) => r.verification.ok && r.compliance !== null)
      report.value = agreement
    } catch (e) {
      error.value = describeError(e)
    } finally {
      loading.value = false
    }
  }

  return { candidates, report, threshold, error, loading, load }
})
