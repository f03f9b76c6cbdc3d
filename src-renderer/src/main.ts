// First: it configures zod before any schema is built (see the file).
import './zodConfig'
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import './styles/base.css'
import './styles/picker.css'
import './styles/console.css'
import './styles/report.css'
import './styles/supervisor.css'
import './styles/review.css'
import './styles/print.css'
import './styles/workbench.css'

createApp(App).use(createPinia()).mount('#app')
