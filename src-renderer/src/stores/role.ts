import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError } from '@core/api/methods'
import type { Profile, RoleState } from '@core/api/contract'
import { api } from '../api'
import { describeError } from './callSession'

/** The shortest passphrase main accepts (src-main/services/supervisorLock.ts). */
export const MIN_PASSPHRASE_LENGTH = 8

/**
 * Who is at the keyboard, as main decides it for this window: a trainee on a
 * chosen profile, or a supervisor who unlocked with the passphrase. Main
 * enforces it (a trainee's queries are limited to their own profile and to
 * published reviews); this store only mirrors main's answer so the screens
 * show the right things.
 */
export const useRoleStore = defineStore('role', () => {
  const state = ref<RoleState | null>(null)
  const profiles = ref<Profile[]>([])
  const error = ref<string | null>(null)
  /** When main will take the next passphrase attempt (epoch ms, local clock). */
  const retryAt = ref<number | null>(null)
  const busy = ref(false)
  /** The passphrase dialog, when open: to set it (first use), unlock, or change it. */
  const asking = ref<'set' | 'unlock' | 'change' | null>(null)

  const isSupervisor = computed(() => state.value?.role === 'supervisor')
  const profile = computed(() => state.value?.profile ?? null)
  const passphraseSet = computed(() => state.value?.passphraseSet ?? false)
  const canWritePdf = computed(() => state.value?.capabilities.pdf ?? false)

  async function load(): Promise<void> {
    try {
      const [role, list] = await Promise.all([api['role.get']({}), api['profiles.list']({})])
      state.value = role
      profiles.value = [...list].sort((a, b) => a.name.localeCompare(b.name))
    } catch (e) {
      error.value = describeError(e)
    }
  }

  async function selectProfile(profileId: string): Promise<boolean> {
    error.value = null
    try {
      state.value = await api['profiles.select']({ profileId })
      return true
    } catch (e) {
      error.value = describeError(e)
      return false
    }
  }

  /** Creates a profile (or finds the one of that name) and selects it. */
  async function createProfile(name: string): Promise<boolean> {
    error.value = null
    try {
      const existing = profiles.value.find((p) => p.name.toLowerCase() === name.trim().toLowerCase())
      const created = existing ?? (await api['profiles.create']({ name }))
      if (!existing) profiles.value = [...profiles.value, created].sort((a, b) => a.name.localeCompare(b.name))
      return selectProfile(created.id)
    } catch (e) {
      error.value = describeError(e)
      return false
    }
  }

  async function run(task: () => Promise<void>): Promise<boolean> {
    busy.value = true
    error.value = null
    try {
      await task()
      return error.value === null
    } catch (e) {
      error.value = describeError(e)
      return false
    } finally {
      busy.value = false
    }
  }

  /** Unlocks supervisor mode; a wrong passphrase leaves `error` and `retryAt` saying how long to wait. */
  function unlock(passphrase: string, name: string): Promise<boolean> {
    return run(async () => {
      const result = await api['role.unlock']({ passphrase, name })
      state.value = result.state
      if (result.ok) {
        retryAt.value = null
        return
      }
      retryAt.value = Date.now() + result.retryInMs
      error.value = result.message
    })
  }

  /** Sets the passphrase on first use (and unlocks), or changes it given the current one. */
  function setPassphrase(passphrase: string, name: string, current?: string): Promise<boolean> {
    return run(async () => {
      try {
        state.value = await api['role.setPassphrase']({ passphrase, name, ...(current !== undefined ? { current } : {}) })
      } catch (e) {
        // A wrong current passphrase counts as a wrong attempt in main: say so the same way.
        if (e instanceof ApiError && e.code === 'forbidden') error.value = e.message
        else throw e
      }
    })
  }

  async function lock(): Promise<void> {
    try {
      state.value = await api['role.lock']({})
    } catch (e) {
      error.value = describeError(e)
    }
  }

  function clearError(): void {
    error.value = null
  }

  /** Opens the passphrase dialog for supervisor mode: to set it on first use, else to unlock. */
  async function askToUnlock(): Promise<void> {
    if (!state.value) await load()
    error.value = null
    asking.value = passphraseSet.value ? 'unlock' : 'set'
  }

  return { state, profiles, error, retryAt, busy, asking, askToUnlock, isSupervisor, profile, passphraseSet, canWritePdf, load, selectProfile, createProfile, unlock, setPassphrase, lock, clearError }
})
