import type { PagedList } from '../hooks/usePagedList';
import { t } from '../i18n';
import { ErrorNotice } from './Notice';

/** The foot of a paged list: error, "もっと見る" or the loading line. */
export function LoadMore<T>({ list, testId }: { list: PagedList<T>; testId?: string }) {
  return (
    <div className="load-more">
      {list.error && list.loaded && <ErrorNotice error={list.error} onRetry={list.loadMore} />}
      {list.loading && list.loaded && <p className="loading">{t.common.loading}</p>}
      {!list.loading && list.nextCursor !== null && (
        <button
          type="button"
          className="button button--secondary"
          data-testid={testId}
          onClick={list.loadMore}
        >
          {t.common.loadMore}
        </button>
      )}
    </div>
  );
}
