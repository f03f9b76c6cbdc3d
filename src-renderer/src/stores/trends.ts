import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { TrendBucket, Trends } from '@core/api/contract'
import { api } from '../api'
import { describeError } from './callSession'

/**
 * The trend figures for the team. Main computes them from verified, sealed
 * assessment sessions; per-trainee lines are picked from the same answer, so
 * the team figure beside them is always the whole team's.
 */
export const useTrendsStore = defineStore('trends', () => {
  const trends = shallowRef<Trends | null>(null)
  const bucket = ref<TrendBucket>('week')
  const scenarioId = ref('')
  const tier = ref<'' | '1' | '2' | '3'>('')
  /** Which trainee the per-trainee charts show beside the team ('' = the busiest few). */
  const focusTrainee = ref('')
  const loading = ref(false)
  const error = ref<string | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      trends.value = await api['trends.get']({
        bucket: bucket.value,
        ...(scenarioId.value ? { scenarioId: scenarioId.value } : {}),
        ...(tier.value ? { tier: Number(tier.value) as 1 | 2 | 3 } : {}),
      })
    } catch (e) {
      error.value = describeError(e)
    } finally {
      loading.value = false
    }
  }

  return { trends, bucket, scenarioId, tier, focusTrainee, loading, error, load }
})
