import { useCallback, useEffect, useState } from 'react';
import { asApiError, isAbortError, type ApiError } from '../api/client';

export interface Resource<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  /**
   * Applies a change the server has confirmed (its answer to a write) without reading again,
   * so what the screen says and what it shows change together.
   */
  update: (change: (data: T) => T) => void;
}

interface State<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
}

/**
 * Loads one thing. `key` names what is loaded; pages are keyed by id in App, so data of one
 * patient is never shown while another loads. A reload keeps the old data on screen.
 */
export function useResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
): Resource<T> {
  const [state, setState] = useState<State<T>>({ data: null, error: null, loading: true });
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    load(controller.signal).then(
      (data) => {
        setState({ data, error: null, loading: false });
      },
      (err: unknown) => {
        if (controller.signal.aborted || isAbortError(err)) return;
        setState((s) => ({ ...s, error: asApiError(err), loading: false }));
      },
    );
    return () => {
      controller.abort();
    };
    // `load` is recreated every render; `key` is what identifies it.
  }, [key, nonce]);

  const reload = useCallback(() => {
    setNonce((n) => n + 1);
  }, []);
  const update = useCallback((change: (data: T) => T) => {
    setState((s) => (s.data === null ? s : { ...s, data: change(s.data) }));
  }, []);
  return { ...state, reload, update };
}
