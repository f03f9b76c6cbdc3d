import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ReviewQueue, SessionPage, SessionQuery, SessionSortKey } from '@core/api/contract'
import { api } from '../api'
import { describeError } from './callSession'

/**
 * The supervisor's session list and review queue. The filter is one
 * SessionQuery, the same object a trend point carries, so "open the sessions
 * behind this point" is just `applyQuery(point.filter)`.
 */

export type SessionFilter = Omit<SessionQuery, 'sort' | 'direction' | 'offset' | 'limit'>

export const PAGE_SIZE = 25

export const useSessionListStore = defineStore('sessionList', () => {
  const filter = ref<SessionFilter>({})
  const sort = ref<SessionSortKey>('startedAt')
  const direction = ref<'asc' | 'desc'>('desc')
  const offset = ref(0)
  const page = shallowRef<SessionPage | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const queue = shallowRef<ReviewQueue | null>(null)
  const queueError = ref<string | null>(null)
  /** Bumped on every load so a slow answer to an older filter never replaces a newer one. */
  let generation = 0

  const query = computed<SessionQuery>(() => ({ ...filter.value, sort: sort.value, direction: direction.value, offset: offset.value, limit: PAGE_SIZE }))
  const total = computed(() => page.value?.total ?? 0)
  const pageCount = computed(() => Math.max(1, Math.ceil(total.value / PAGE_SIZE)))
  const pageNumber = computed(() => Math.floor(offset.value / PAGE_SIZE) + 1)
  const activeFilterCount = computed(() => Object.values(filter.value).filter((v) => v !== undefined && v !== '').length)

  async function load(): Promise<void> {
    const mine = ++generation
    loading.value = true
    error.value = null
    try {
      const result = await api['sessions.query'](query.value)
      if (mine === generation) page.value = result
    } catch (e) {
      if (mine === generation) error.value = describeError(e)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  function setFilter(next: SessionFilter): Promise<void> {
    // Undefined and empty values mean "any": leave them out so the query stays what it says.
    filter.value = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined && v !== '')) as SessionFilter
    offset.value = 0
    return load()
  }

  /** Opens the list on exactly a query's sessions (a trend point's, a rule's). */
  function applyQuery(q: SessionQuery): Promise<void> {
    const { sort: s, direction: d, offset: _o, limit: _l, ...rest } = q
    if (s) sort.value = s
    if (d) direction.value = d
    return setFilter(rest)
  }

  function sortBy(key: SessionSortKey): Promise<void> {
    if (sort.value === key) direction.value = direction.value === 'asc' ? 'desc' : 'asc'
    else {
      sort.value = key
      direction.value = key === 'trainee' || key === 'scenario' ? 'asc' : 'desc'
    }
    offset.value = 0
    return load()
  }

  function goToPage(n: number): Promise<void> {
    const clamped = Math.max(1, Math.min(pageCount.value, n))
    offset.value = (clamped - 1) * PAGE_SIZE
    return load()
  }

  async function loadQueue(): Promise<void> {
    queueError.value = null
    try {
      queue.value = await api['review.queue']({})
    } catch (e) {
      queueError.value = describeError(e)
    }
  }

  return { filter, sort, direction, offset, page, loading, error, queue, queueError, query, total, pageCount, pageNumber, activeFilterCount, load, setFilter, applyQuery, sortBy, goToPage, loadQueue }
})
