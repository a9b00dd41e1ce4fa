import type { ReactNode } from 'react';
import { useCountdown } from '../app/use-api';
import { rateLimitMessage, type UiError } from '../lib/errors';

/** An API failure where it happened: a 429 counts its wait down; a 409 version conflict offers a reload. */
export function ErrorMessage({ error, action }: { error: UiError | null; action?: ReactNode }) {
  const left = useCountdown(error);
  if (!error) return null;
  let message = error.message;
  if (error.code === 'RATE_LIMITED' && error.retryAfter !== null) {
    message = left > 0 ? rateLimitMessage(left) : 'You can try again now.';
  }
  return (
    <div className="alert alert-error" role="alert" data-code={error.code}>
      <p>{message}</p>
      {action}
    </div>
  );
}

/** Whether a form's submit should wait: while pending, and while a 429's wait lasts. */
export function useBlocked(pending: boolean, error: UiError | null): boolean {
  const left = useCountdown(error);
  return pending || left > 0;
}

export function Loading({ what = 'Loading…' }: { what?: string }) {
  return (
    <p className="loading" role="status">
      {what}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Success({ children }: { children: ReactNode }) {
  return (
    <p className="alert alert-success" role="status">
      {children}
    </p>
  );
}

/** A placeholder for a feature that is being built elsewhere: says what will be here and why it is not yet. */
export function Planned({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="card card-planned" aria-labelledby={slug(title)}>
      <h2 id={slug(title)}>{title}</h2>
      <p className="muted">{children}</p>
    </section>
  );
}

export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'info' | 'muted'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
