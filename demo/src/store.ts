import { configureStore, createAsyncThunk, createSlice } from '@reduxjs/toolkit'
import type { PayloadAction } from '@reduxjs/toolkit'
import { createTelemetryMiddleware } from 'spa-telemetry/redux'
import { onScopeDispose, shallowRef } from 'vue'
import type { Ref } from 'vue'

import { PROJECTS, rowsOf } from './data.js'
import type { Project, Row } from './data.js'
import { tracker } from './telemetry.js'

/** Loads a table's rows (as a server would, a moment later). */
export const loadRows = createAsyncThunk('tables/loadRows', async (table: string) => {
  await new Promise(resolve => setTimeout(resolve, 50))
  return { table, rows: rowsOf(table) }
})

const projects = createSlice({
  name: 'projects',
  initialState: { list: PROJECTS },
  reducers: {
    created: (state, action: PayloadAction<{ name: string; owner: string }>) => {
      state.list.push({ id: `p_${Math.random().toString(36).slice(2, 6)}`, tables: [], ...action.payload })
    },
  },
})

const tables = createSlice({
  name: 'tables',
  initialState: { rows: {} as Record<string, Row[]>, loading: false },
  reducers: {
    rowAdded: (state, action: PayloadAction<{ table: string; row: Row }>) => {
      state.rows[action.payload.table]?.push(action.payload.row)
    },
    schemaSaved: (state, action: PayloadAction<{ table: string; columns: string[] }>) => {
      state.rows[action.payload.table] ??= []
    },
  },
  extraReducers: builder => {
    builder.addCase(loadRows.pending, state => void (state.loading = true))
    builder.addCase(loadRows.fulfilled, (state, action) => {
      state.loading = false
      state.rows[action.payload.table] = action.payload.rows
    })
  },
})

const ui = createSlice({
  name: 'ui',
  initialState: { search: '' },
  reducers: {
    searched: (state, action: PayloadAction<string>) => void (state.search = action.payload),
  },
})

export const { created } = projects.actions
export const { rowAdded, schemaSaved } = tables.actions
export const { searched } = ui.actions

export const store = configureStore({
  reducer: { projects: projects.reducer, tables: tables.reducer, ui: ui.reducer },
  // only the projects and tables actions: typing in the search box (ui/searched) is not an event
  middleware: getDefault =>
    getDefault().concat(createTelemetryMiddleware(tracker, { include: [/^projects\//, /^tables\//] })),
})

export type State = ReturnType<typeof store.getState>

/** A piece of the Redux state as a Vue ref, updated on every dispatch. */
export const useSelector = <T>(select: (state: State) => T): Ref<T> => {
  const value = shallowRef(select(store.getState()))
  const unsubscribe = store.subscribe(() => (value.value = select(store.getState())))
  onScopeDispose(unsubscribe)
  return value
}

export type { Project, Row }
