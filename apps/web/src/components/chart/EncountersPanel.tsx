import { useState } from 'react';
import type { Encounter } from '../../api/types';
import type { PagedList } from '../../hooks/usePagedList';
import { t } from '../../i18n';
import { EncounterCard } from '../encounter/EncounterCard';
import { NewEncounterForm } from '../encounter/NewEncounterForm';
import { LoadMore } from '../LoadMore';
import { ErrorNotice, Loading, Notice } from '../Notice';

interface EncountersPanelProps {
  patientId: string;
  list: PagedList<Encounter>;
  /** Opened through break-the-glass: reading only. */
  readOnly?: boolean;
}

/** Newest first, as the server orders them. */
export function EncountersPanel({ patientId, list, readOnly = false }: EncountersPanelProps) {
  const [writing, setWriting] = useState(false);
  const [saved, setSaved] = useState(false);

  return (
    <div className="panel-stack">
      {saved && <Notice kind="success">{t.encounterForm.created}</Notice>}
      {writing ? (
        <NewEncounterForm
          patientId={patientId}
          onCreated={() => {
            setWriting(false);
            setSaved(true);
            list.reload();
          }}
          onCancel={() => {
            setWriting(false);
          }}
        />
      ) : (
        !readOnly && (
          <div className="panel-actions">
            <button
              type="button"
              className="button"
              onClick={() => {
                setWriting(true);
                setSaved(false);
              }}
            >
              ＋ {t.encounters.add}
            </button>
          </div>
        )
      )}
      {!list.loaded && list.loading && <Loading />}
      {!list.loaded && list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {list.loaded && list.items.length === 0 && <p className="empty">{t.encounters.empty}</p>}
      {list.items.map((encounter) => (
        <EncounterCard key={encounter.id} encounter={encounter} />
      ))}
      <LoadMore list={list} />
    </div>
  );
}
