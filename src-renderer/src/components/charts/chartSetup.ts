import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js'
import type { PointStyle } from 'chart.js'

/**
 * Chart.js is tree-shaken: register only the pieces the trend charts use, once.
 * Colours follow base.css (Northwind blue first, then the status colours and
 * two neutrals), each at least 3:1 against white; every series also has its
 * own point shape and the odd ones a dashed line, so colour is never the only
 * signal.
 */

let registered = false
export function registerCharts(): void {
  if (registered) return
  Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend)
  registered = true
}

const PALETTE = ['#0a5aa8', '#b02a20', '#12652b', '#b35c00', '#6b3fa0', '#0f6e6e', '#4a5563', '#a3336b']
const POINT_STYLES: PointStyle[] = ['circle', 'rect', 'triangle', 'rectRot', 'crossRot', 'star', 'rectRounded', 'cross']

export const colourOf = (index: number): string => PALETTE[index % PALETTE.length]!
export const pointStyleOf = (index: number): PointStyle => POINT_STYLES[index % POINT_STYLES.length]!

export const CHART_FONT = { family: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif", size: 12 }
