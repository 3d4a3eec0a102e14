// Small helpers the pages share: loading data, error text, and formatting.
import { useCallback, useEffect, useMemo, useRef, useState, type DependencyList } from 'react';
import { ApiError } from './api';

export interface Loaded<T> {
  data: T | undefined;
  loading: boolean;
  error: Error | undefined;
  reload: () => void;
}

/** Runs `load` when `deps` change (and on reload()), keeping the latest answer only. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList, enabled = true): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(enabled);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    if (!enabled) {
      setLoading(false);
      return;
    }
    let current = true;
    setLoading(true);
    setError(undefined);
    loadRef
      .current()
      .then((value) => current && setData(value))
      .catch((e: unknown) => current && setError(e instanceof Error ? e : new Error(String(e))))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [...deps, enabled, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return useMemo(() => ({ data, loading, error, reload }), [data, loading, error, reload]);
}

/** The message of any error. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The type, status and request id of an ApiError, for the line under its message. */
export function errorDetail(e: unknown): string | undefined {
  if (!(e instanceof ApiError)) return undefined;
  const parts = [e.type];
  if (e.status) parts.push(`HTTP ${e.status}`);
  if (e.requestId) parts.push(`request ${e.requestId}`);
  return parts.join(' · ');
}

/** An ISO date as the person's locale shows it (the raw value when it is not a date). */
export function formatDate(value: string | undefined): string {
  if (!value) return '-';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}
