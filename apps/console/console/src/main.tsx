// Entry point of the Engage console (Vite + React 18 + Cloudscape). Build: `npm run build` writes
// the static app to build/console at the repository's root; it reads ./config.json at start
// (config.ts). For `npm run dev`, copy config.example.json to public/config.json and fill it in.
import '@cloudscape-design/global-styles/index.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
