import { useEffect, useRef, useState } from 'react';
import { useSession, type Acting } from '../app/session';
import { formatTimeLeft, secondsUntil } from '../lib/impersonation';

/**
 * Shown above every page while an admin acts as an account: who, why, how long is left, and Stop. When the time
 * is up (the token stops working then) the console goes back to the admin's own session by itself.
 */
export function ImpersonationBanner({ acting }: { acting: Acting }) {
  const { stopImpersonating } = useSession();
  const [now, setNow] = useState(() => Date.now());
  const [stopping, setStopping] = useState(false);
  const { username } = acting.as.user;
  const left = secondsUntil(acting.as.expiresAt, now);
  const text = useRef<HTMLParagraphElement>(null);

  // Just started: the banner is the news, so it takes the focus (a reload resuming it does not).
  useEffect(() => {
    if (acting.fresh) text.current?.focus();
  }, [acting.fresh]);

  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  useEffect(() => {
    if (left > 0) return;
    void stopImpersonating(`Your time acting as ${username} ran out: you are back in your own account.`);
  }, [left, username, stopImpersonating]);

  const stop = () => {
    setStopping(true);
    void stopImpersonating();
  };

  return (
    <section
      className="impersonation"
      aria-label="Impersonation in progress"
      data-testid="impersonation-banner"
    >
      <p ref={text} tabIndex={-1}>
        You are acting as <strong>{username}</strong> for reason{' '}
        <span className="impersonation-reason">“{acting.as.reason}”</span> —{' '}
        <span className="impersonation-left">{formatTimeLeft(left)}</span>
      </p>
      <button type="button" disabled={stopping} onClick={stop}>
        {stopping ? 'Stopping…' : 'Stop'}
        <span className="visually-hidden"> acting as {username}</span>
      </button>
    </section>
  );
}
