import type { Middleware } from 'koa';
import { RESET_PATH, VERIFY_PATH } from '@roster/api';

/**
 * The pages the emails link to. The token travels in the URL fragment, which browsers never send to a server, so
 * it stays out of access logs and Referer headers; the page's script reads it and calls the API.
 */
const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Roster</title><link rel="stylesheet" href="/account/pages.css"></head>
<body><main><h1>${title}</h1>${body}<p id="status" role="status"></p></main>
<script src="/account/pages.js"></script></body></html>`;

const RESET = page(
  'Choose a new password',
  `<form id="reset"><label>New password <input type="password" name="new_password" minlength="8"
maxlength="128" autocomplete="new-password" required></label><button type="submit">Set password</button></form>`,
);

const VERIFY = page('Confirm your email address', '<p id="verify">Confirming…</p>');

const SCRIPT = `'use strict';
(function () {
  var token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  history.replaceState(null, '', location.pathname);
  var status = document.getElementById('status');
  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        if (res.ok) return null;
        return res.json().then(function (b) { return b.detail || 'Something went wrong'; }, function () { return 'Something went wrong'; });
      });
  }
  var form = document.getElementById('reset');
  if (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      post('/auth/password/reset', { token: token, new_password: form.elements.new_password.value }).then(function (error) {
        status.textContent = error || 'Your password is set. You can log in with it now.';
        if (!error) form.remove();
      });
    });
  }
  if (document.getElementById('verify')) {
    post('/auth/verify', { token: token }).then(function (error) {
      document.getElementById('verify').remove();
      status.textContent = error || 'Your email address is confirmed.';
    });
  }
})();
`;

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh}
main{max-width:28rem;padding:2rem}label{display:block;margin:1rem 0}input{display:block;width:100%;padding:.5rem}
button{padding:.5rem 1rem}`;

const ASSETS: Record<string, { type: string; body: string }> = {
  [RESET_PATH]: { type: 'text/html; charset=utf-8', body: RESET },
  [VERIFY_PATH]: { type: 'text/html; charset=utf-8', body: VERIFY },
  '/account/pages.js': { type: 'text/javascript; charset=utf-8', body: SCRIPT },
  '/account/pages.css': { type: 'text/css; charset=utf-8', body: STYLE },
};

/** Paths served as pages (they get the page CSP rather than the API's). */
export const ACCOUNT_PAGE_PATHS = Object.keys(ASSETS);

export function accountPages(): Middleware {
  return async function serveAccountPages(ctx, next) {
    const asset = ASSETS[ctx.path];
    if (!asset) return next();
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = asset.body;
  };
}
