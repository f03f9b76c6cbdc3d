import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Assignment } from '@core/api/contract'
import type { Tactic } from '@core/scenario/vocabulary'
import { api } from '../api'
import { describeError } from './callSession'

/** Coaching follow-up: what a supervisor assigned, and (for a trainee) what to take next. */
export const useCoachingStore = defineStore('coaching', () => {
  const assignments = ref<Assignment[]>([])
  const error = ref<string | null>(null)
  const busy = ref(false)

  async function load(trainee?: string): Promise<void> {
    error.value = null
    try {
      assignments.value = await api['coaching.list']({ ...(trainee ? { trainee } : {}) })
    } catch (e) {
      error.value = describeError(e)
    }
  }

  async function assign(args: { trainee: string; scenarioId?: string; tactic?: Tactic; fromSessionId?: string; note: string }): Promise<Assignment[] | null> {
    busy.value = true
    error.value = null
    try {
      const made = await api['coaching.assign'](args)
      assignments.value = [...assignments.value, ...made]
      return made
    } catch (e) {
      error.value = describeError(e)
      return null
    } finally {
      busy.value = false
    }
  }

  return { assignments, error, busy, load, assign }
})
