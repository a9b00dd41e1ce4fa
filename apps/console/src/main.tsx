import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { createActingClient, createConsoleClient } from './app/client';
import { SessionProvider } from './app/session';
import './styles.css';

const origin = window.location.origin;
const client = createConsoleClient(origin, window.sessionStorage);
const actAs = (token: string) => createActingClient(origin, token);
const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

createRoot(root).render(
  <StrictMode>
    <SessionProvider client={client} storage={window.sessionStorage} actAs={actAs}>
      <App />
    </SessionProvider>
  </StrictMode>,
);
