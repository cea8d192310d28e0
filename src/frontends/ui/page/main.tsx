/** The page's entry (bundled by scripts/build-ui.mjs into dist/ui/app.js and app.css). */
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { App } from './app.js';

createRoot(document.getElementById('root')!).render(<App />);
