import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { RecordCheckProgress, TrendBucket, Trends } from '@core/api/contract'
import { api } from '../api'
import { describeError } from './callSession'

/**
 * The trend figures for the team. Main computes them from verified, sealed
 * assessment sessions; per-trainee lines are picked from the same answer, so
 * the team figure beside them is always the whole team's.
 */
/** How often the screen asks how far the record check has got while it waits. */
const PROGRESS_EVERY_MS = 250

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
    const answer = api['trends.get']({
      bucket: bucket.value,
      ...(scenarioId.value ? { scenarioId: scenarioId.value } : {}),
      ...(tier.value ? { tier: Number(tier.value) as 1 | 2 | 3 } : {}),
    })
    let settled = false
    void answer.finally(() => (settled = true)).catch(() => undefined)
    // Trends count only checked records, so main answers once the check is done; until then, say how far it is.
    const watch = (async () => {
      while (!settled) {
        const progress = await api['trends.progress']({}).catch(() => null)
        if (settled || !progress || progress.done) break
        checking.value = progress
        await new Promise((resolve) => setTimeout(resolve, PROGRESS_EVERY_MS))
      }
    })()
    try {
      trends.value = await answer
    } catch (e) {
      error.value = describeError(e)
    } finally {
      loading.value = false
      checking.value = null
      await watch
    }
  }

  return { trends, bucket, scenarioId, tier, focusTrainee, loading, checking, error, load }
})
