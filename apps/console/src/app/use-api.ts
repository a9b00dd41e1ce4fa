import { useCallback, useEffect, useRef, useState } from 'react';
import { isRosterError } from '@roster/sdk';
import { isSessionEnded, secondsLeft, toUiError, type UiError } from '../lib/errors';
import { useSession } from './session';

export interface QueryState<T> {
  data: T | undefined;
  error: UiError | null;
  loading: boolean;
  reload: () => void;
  /** Replace the data with a fresher copy (the answer of a write). */
  setData: (data: T) => void;
}

interface Settled {
  load: unknown;
  round: number;
  error: UiError | null;
}

/**
 * Loads what `load` reads whenever `load` changes (wrap it in useCallback with its inputs), cancelling the call
 * it replaces. The last data stays shown while the next loads. A 401 means the session is over: the page goes
 * back to sign-in.
 */
export function useQuery<T>(load: (signal: AbortSignal) => Promise<T>): QueryState<T> {
  const { expire } = useSession();
  const [data, setData] = useState<T | undefined>(undefined);
  const [settled, setSettled] = useState<Settled | null>(null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setSettled({ load, round, error: null });
      },
      (failure: unknown) => {
        if (controller.signal.aborted || (isRosterError(failure) && failure.code === 'ABORTED')) return;
        if (isSessionEnded(failure)) return expire();
        setSettled({ load, round, error: toUiError(failure) });
      },
    );
    return () => controller.abort();
  }, [load, round, expire]);

  const reload = useCallback(() => setRound((r) => r + 1), []);
  const loading = settled === null || settled.load !== load || settled.round !== round;
  return { data, error: loading ? null : (settled?.error ?? null), loading, reload, setData };
}

export interface ActionState<A extends unknown[], T> {
  /** Runs the action; resolves with its result, or undefined when it failed (the failure is in `error`). */
  run: (...args: A) => Promise<T | undefined>;
  pending: boolean;
  error: UiError | null;
  setError: (error: UiError | null) => void;
}

/** A write: pending while it runs, its failure kept for the form that started it. */
export function useAction<A extends unknown[], T>(
  action: (...args: A) => Promise<T>,
  messages: Partial<Record<string, string>> = {},
): ActionState<A, T> {
  const { expire } = useSession();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const latest = useRef({ action, messages });
  useEffect(() => {
    latest.current = { action, messages };
  });
  const run = useCallback(
    async (...args: A): Promise<T | undefined> => {
      setPending(true);
      setError(null);
      try {
        return await latest.current.action(...args);
      } catch (failure) {
        if (isSessionEnded(failure)) expire();
        else setError(toUiError(failure, latest.current.messages));
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [expire],
  );
  return { run, pending, error, setError };
}

/** Seconds left of an error's wait (a 429's Retry-After), counting down once a second; 0 when over. */
export function useCountdown(error: UiError | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!error?.retryAfter) return;
    const timer = window.setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (secondsLeft(error, t) === 0) window.clearInterval(timer);
    }, 250);
    return () => window.clearInterval(timer);
  }, [error]);
  return secondsLeft(error, now);
}
