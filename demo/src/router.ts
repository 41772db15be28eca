import { createRouter, createWebHistory } from 'vue-router'

import ModifyView from './views/ModifyView.vue'
import NotFoundView from './views/NotFoundView.vue'
import ProjectsView from './views/ProjectsView.vue'
import ProjectView from './views/ProjectView.vue'
import SettingsView from './views/SettingsView.vue'
import TableView from './views/TableView.vue'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', component: ProjectsView },
    { path: '/nc/:project_id', component: ProjectView },
    { path: '/nc/:project_id/table/:table_id', component: TableView, meta: { telemetry: { name: 'table' } } },
    { path: '/data/schema/:SCHEMA_NAME/tables/:TABLE_NAME/modify', component: ModifyView },
    { path: '/settings', component: SettingsView },
    { path: '/:pathMatch(.*)*', component: NotFoundView },
  ],
})
