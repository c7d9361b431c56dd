import { useState } from 'react';
import { listPrescriptions, type Prescription } from '../../api/prescriptions';
import { usePagedList } from '../../hooks/usePagedList';
import { rx } from '../../i18n/prescriptions';
import { formatCalendarDate } from '../../lib/format';
import { LoadMore } from '../LoadMore';
import { ErrorNotice, Loading, Notice } from '../Notice';
import { CancelPrescription } from './CancelPrescription';
import { PdfDownloadButton } from './PdfDownloadButton';
import { PrescriptionForm } from './PrescriptionForm';
import { PrescriptionSheet } from './PrescriptionSheet';
import './prescriptions.css';

interface PrescriptionsPanelProps {
  patientId: string;
  /** Doctors write and cancel prescriptions; the server checks care and MFA either way. */
  canPrescribe: boolean;
}

/** The chart's 処方箋 tab: the list, one prescription's sheet and PDF, and the form. */
export function PrescriptionsPanel({ patientId, canPrescribe }: PrescriptionsPanelProps) {
  const list = usePagedList(`prescriptions:${patientId}`, (cursor, signal) =>
    listPrescriptions(patientId, cursor, signal),
  );
  const [writing, setWriting] = useState(false);
  const [selected, setSelected] = useState<Prescription | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  function show(prescription: Prescription, message: string | null) {
    setSelected(prescription);
    setNotice(message);
    list.reload();
  }

  return (
    <div className="panel-stack">
      {notice && <Notice kind="success">{notice}</Notice>}
      {canPrescribe && !writing && (
        <div className="panel-actions">
          <button
            type="button"
            className="button"
            data-testid="rx-new"
            onClick={() => {
              setWriting(true);
              setNotice(null);
            }}
          >
            {rx.newPrescription}
          </button>
        </div>
      )}
      {writing && (
        <PrescriptionForm
          patientId={patientId}
          onIssued={(issued) => {
            setWriting(false);
            show(issued, rx.issued);
          }}
          onCancel={() => {
            setWriting(false);
          }}
        />
      )}
      {selected && (
        <section className="card rx-detail" data-testid="rx-detail">
          <PrescriptionSheet prescription={selected} />
          <p className="muted">{rx.previewNote}</p>
          <div className="rx-actions">
            <PdfDownloadButton prescription={selected} />
            {canPrescribe && selected.status === 'active' && (
              <CancelPrescription
                prescription={selected}
                onCancelled={(updated) => {
                  show(updated, rx.revoked);
                }}
              />
            )}
            <button
              type="button"
              className="button button--ghost button--small"
              onClick={() => {
                setSelected(null);
              }}
            >
              {rx.close}
            </button>
          </div>
        </section>
      )}
      <section className="card card--flush">
        {!list.loaded && list.loading && <Loading />}
        {!list.loaded && list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
        {list.loaded && list.items.length === 0 && <p className="empty">{rx.empty}</p>}
        {list.items.length > 0 && (
          <PrescriptionTable
            items={list.items}
            selectedId={selected?.id ?? null}
            onOpen={(p) => {
              setSelected(p);
              setNotice(null);
            }}
          />
        )}
        <LoadMore list={list} />
      </section>
    </div>
  );
}

interface PrescriptionTableProps {
  items: Prescription[];
  selectedId: string | null;
  onOpen: (prescription: Prescription) => void;
}

export function PrescriptionTable({ items, selectedId, onOpen }: PrescriptionTableProps) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{rx.issuedOn}</th>
            <th scope="col">{rx.medications}</th>
            <th scope="col">{rx.doctor}</th>
            <th scope="col">{rx.validUntil}</th>
            <th scope="col">
              <span className="visually-hidden">{rx.open}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr key={p.id} data-testid="rx-row" data-status={p.status}>
              <td className="nowrap">{formatCalendarDate(p.issuedOn)}</td>
              <td>
                {p.medications.map((m) => m.name).join('、')}
                <span className="muted"> （{rx.medicationCount(p.medications.length)}）</span>
                {p.status === 'cancelled' && (
                  <span className="badge badge--danger">{rx.status.cancelled}</span>
                )}
              </td>
              <td className="nowrap">{p.doctorName}</td>
              <td className="nowrap">{rx.validUntilValue(formatCalendarDate(p.validUntil))}</td>
              <td>
                <button
                  type="button"
                  className="button button--secondary button--small"
                  aria-pressed={p.id === selectedId}
                  data-testid="rx-open"
                  onClick={() => {
                    onOpen(p);
                  }}
                >
                  {rx.open}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
