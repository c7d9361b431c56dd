import { useCallback, useEffect, useRef, useState } from 'react';
import { asApiError, isAbortError, type ApiError } from '../api/client';
import type { Page } from '../api/types';

export type FetchPage<T> = (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>;

export interface PagedList<T> {
  items: T[];
  nextCursor: string | null;
  loading: boolean;
  loaded: boolean;
  error: ApiError | null;
  loadMore: () => void;
  reload: () => void;
}

interface State<T> {
  items: T[];
  nextCursor: string | null;
  loading: boolean;
  loaded: boolean;
  error: ApiError | null;
}

function initial<T>(enabled: boolean): State<T> {
  return { items: [], nextCursor: null, loading: enabled, loaded: false, error: null };
}

/** A cursor-paged list: the first page on mount or when `key` changes, more on request. */
export function usePagedList<T>(
  key: string,
  fetchPage: FetchPage<T>,
  enabled = true,
): PagedList<T> {
  const [state, setState] = useState<State<T>>(() => initial(enabled));
  const [nonce, setNonce] = useState(0);
  const fetchRef = useRef(fetchPage);
  const controllerRef = useRef<AbortController | null>(null);

  useEffect(() => {
    fetchRef.current = fetchPage;
  });

  const run = useCallback((cursor: string | null) => {
    controllerRef.current?.abort();
    const controller = new AbortController();
    controllerRef.current = controller;
    setState((s) => ({ ...s, loading: true, error: null }));
    fetchRef.current(cursor, controller.signal).then(
      (page) => {
        setState((s) => ({
          items: cursor === null ? page.items : [...s.items, ...page.items],
          nextCursor: page.nextCursor,
          loading: false,
          loaded: true,
          error: null,
        }));
      },
      (err: unknown) => {
        if (controller.signal.aborted || isAbortError(err)) return;
        setState((s) => ({ ...s, loading: false, error: asApiError(err) }));
      },
    );
  }, []);

  const keyRef = useRef(key);
  useEffect(() => {
    // A new key (another search) starts empty; a reload keeps the rows until the new page lands.
    if (keyRef.current !== key || !enabled) setState(initial(enabled));
    keyRef.current = key;
    if (enabled) run(null);
    return () => {
      controllerRef.current?.abort();
    };
  }, [key, nonce, enabled, run]);

  const { nextCursor, loading } = state;
  const loadMore = useCallback(() => {
    if (nextCursor !== null && !loading) run(nextCursor);
  }, [nextCursor, loading, run]);
  const reload = useCallback(() => {
    setNonce((n) => n + 1);
  }, []);

  return { ...state, loadMore, reload };
}
