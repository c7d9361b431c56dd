import { useEffect, useState } from 'react';
import { getFile, type StoredFile } from '../../api/files';

const FIRST_POLL_MS = 1_000;
const MAX_POLL_MS = 15_000;

/**
 * Follows a quarantined file until clamd decides. The scan job runs right after an upload when
 * clamd is configured; without it (or while it is down) the file stays quarantined, so polling
 * slows down to every 15 s instead of stopping, and picks up the verdict whenever it comes.
 */
export function useScanState(initial: StoredFile): StoredFile {
  const [file, setFile] = useState(initial);

  useEffect(() => {
    if (file.status !== 'quarantined') return;
    const controller = new AbortController();
    let delay = FIRST_POLL_MS;
    let timer = 0;
    const poll = () => {
      getFile(file.id, controller.signal).then(
        (next) => {
          if (next.status !== 'quarantined') {
            setFile(next);
            return;
          }
          delay = Math.min(delay * 2, MAX_POLL_MS);
          timer = window.setTimeout(poll, delay);
        },
        () => {
          // A failed poll is retried later; the row keeps its last known state.
          if (controller.signal.aborted) return;
          delay = MAX_POLL_MS;
          timer = window.setTimeout(poll, delay);
        },
      );
    };
    timer = window.setTimeout(poll, delay);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [file.id, file.status]);

  return file;
}
