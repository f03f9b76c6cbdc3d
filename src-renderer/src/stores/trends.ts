import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { RecordCheckProgress, TrendBucket, Trends } from '@core/api/contract'
import { api } from '../api'
import { describeError } from './callSession'
import { withProgress } from './progress'

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
  /** While trends wait for the open-time check of every record: how far it has got (null once it is done, or not asked yet). */
  const checking = shallowRef<RecordCheckProgress | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      // Trends count only checked records, so main answers once the open-time check is done; until then, say how far it is.
      trends.value = await withProgress(
        api['trends.get']({
          bucket: bucket.value,
          ...(scenarioId.value ? { scenarioId: scenarioId.value } : {}),
          ...(tier.value ? { tier: Number(tier.value) as 1 | 2 | 3 } : {}),
        }),
        async () => {
          const progress = await api['trends.progress']({})
          return progress.done ? null : progress
        },
        (progress) => (checking.value = progress),
      )
    } catch (e) {
      error.value = describeError(e)
    } finally {
      loading.value = false
    }
  }

  return { trends, bucket, scenarioId, tier, focusTrainee, loading, checking, error, load }
})
