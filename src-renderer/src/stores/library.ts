import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { LibraryProblem, ScenarioSummary, SessionListRow, SessionMode } from '@core/api/contract'
import { api } from '../api'
import { describeError } from './callSession'

const TRAINEE_KEY = 'pretext.trainee'

function rememberedTrainee(): string {
  try {
    return globalThis.localStorage?.getItem(TRAINEE_KEY) ?? ''
  } catch {
    return ''
  }
}

/** What the scenario picker shows: the library, its load problems, and past sessions. */
export const useLibraryStore = defineStore('library', () => {
  const scenarios = ref<ScenarioSummary[]>([])
  const problems = ref<LibraryProblem[]>([])
  /** This trainee's own sessions: main limits a trainee's query to the chosen profile. */
  const sessions = ref<SessionListRow[]>([])
  const loading = ref(false)
  const loadError = ref<string | null>(null)
  const sessionsError = ref<string | null>(null)
  const trainee = ref(rememberedTrainee())
  const mode = ref<SessionMode>('practice')
  const selectedId = ref<string | null>(null)

  const selected = computed(() => scenarios.value.find((s) => s.id === selectedId.value) ?? null)
  const problemCount = computed(() => problems.value.reduce((n, p) => n + Math.max(1, p.errors.length), 0))

  async function load(): Promise<void> {
    loading.value = true
    loadError.value = null
    try {
      const [list, bad] = await Promise.all([api['library.list']({}), api['library.problems']({})])
      // Easiest first, then by title: the order a trainee works through them.
      scenarios.value = [...list].sort((a, b) => a.tier - b.tier || a.title.localeCompare(b.title))
      problems.value = bad
      // Every visit starts at the top of the list, not at the call played last: the
      // selection is what the trainee reads on arrival, so it must be the first card.
      selectedId.value = scenarios.value[0]?.id ?? null
    } catch (error) {
      loadError.value = describeError(error)
    } finally {
      loading.value = false
    }
    await loadSessions()
  }

  async function loadSessions(): Promise<void> {
    sessionsError.value = null
    try {
      sessions.value = (await api['sessions.query']({ limit: 50 })).rows
    } catch (error) {
      sessionsError.value = describeError(error)
    }
  }

  function rememberTrainee(): void {
    try {
      globalThis.localStorage?.setItem(TRAINEE_KEY, trainee.value.trim())
    } catch {
      // Storage may be unavailable (private mode); the name is only a convenience.
    }
  }

  return {
    scenarios,
    problems,
    sessions,
    loading,
    loadError,
    sessionsError,
    trainee,
    mode,
    selectedId,
    selected,
    problemCount,
    load,
    loadSessions,
    rememberTrainee,
  }
})
