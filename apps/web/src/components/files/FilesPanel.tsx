import { useEffect, useState } from 'react';
import { asApiError, type ApiError } from '../../api/client';
import { fileDownloadUrl, listFiles, type StoredFile } from '../../api/files';
import { usePagedList } from '../../hooks/usePagedList';
import { fileMessages as fm } from '../../i18n/prescriptions';
import { startDownload } from '../../lib/download';
import { formatDateTime } from '../../lib/format';
import { LoadMore } from '../LoadMore';
import { ErrorNotice, Loading, Notice } from '../Notice';
import '../prescriptions/prescriptions.css';
import { FileUploadForm } from './FileUploadForm';
import { ScanBadge } from './ScanBadge';
import { useScanState } from './useScanState';

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${String(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The chart's ファイル tab: upload with progress, then the scan state until clamd decides. */
export function FilesPanel({ patientId, canUpload }: { patientId: string; canUpload: boolean }) {
  const list = usePagedList(`files:${patientId}`, (cursor, signal) =>
    listFiles(patientId, cursor, signal),
  );
  const [recent, setRecent] = useState<StoredFile[]>([]);

  return (
    <div className="panel-stack">
      {canUpload && (
        <FileUploadForm
          patientId={patientId}
          onUploaded={(file) => {
            setRecent((files) => [file, ...files]);
          }}
        />
      )}
      {recent.map((file) => (
        <RecentUpload key={file.id} initial={file} onSettled={list.reload} />
      ))}
      <section className="card card--flush">
        {!list.loaded && list.loading && <Loading />}
        {!list.loaded && list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
        {list.loaded && list.items.length === 0 && <p className="empty">{fm.empty}</p>}
        {list.items.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{fm.uploadedAt}</th>
                  <th scope="col">{fm.name}</th>
                  <th scope="col">{fm.category}</th>
                  <th scope="col" className="table__num">
                    {fm.size}
                  </th>
                  <th scope="col">{fm.state}</th>
                  <th scope="col">
                    <span className="visually-hidden">{fm.download}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((file) => (
                  <tr key={file.id} data-testid="file-row">
                    <td className="nowrap">{formatDateTime(file.uploadedAt)}</td>
                    <td>{file.fileName}</td>
                    <td className="nowrap">{fm.categories[file.category] ?? file.category}</td>
                    <td className="table__num nowrap">{formatSize(file.sizeBytes)}</td>
                    <td>
                      <ScanBadge status={file.status} />
                    </td>
                    <td>{file.status === 'clean' && <FileDownloadButton file={file} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <LoadMore list={list} />
      </section>
    </div>
  );
}

/** A file just sent: its upload finished, its scan state followed until a verdict. */
function RecentUpload({ initial, onSettled }: { initial: StoredFile; onSettled: () => void }) {
  const file = useScanState(initial);
  // The list below shows the verdict too once the scan has decided.
  useEffect(() => {
    if (file.status !== 'quarantined') onSettled();
  }, [file.status, onSettled]);
  return (
    <section className="card rx-detail" data-testid="file-recent" data-file-id={file.id}>
      <p>
        {file.fileName}（{formatSize(file.sizeBytes)}）
      </p>
      <div className="upload-progress">
        <progress max={100} value={100} aria-label={fm.progress(100)} />
        <span className="nowrap">{fm.sent}</span>
        <ScanBadge status={file.status} />
      </div>
      {file.status === 'quarantined' && <Notice kind="info">{fm.quarantinedNote}</Notice>}
      {file.status === 'infected' && <Notice kind="error">{fm.infectedNote}</Notice>}
      {file.status === 'clean' && (
        <div className="rx-actions">
          <FileDownloadButton file={file} />
        </div>
      )}
    </section>
  );
}

function FileDownloadButton({ file }: { file: StoredFile }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function download() {
    setBusy(true);
    setError(null);
    try {
      startDownload((await fileDownloadUrl(file.id)).url);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button
        type="button"
        className="button button--secondary button--small"
        disabled={busy}
        data-testid="file-download"
        onClick={() => void download()}
      >
        {fm.download}
      </button>
      {error && <ErrorNotice error={error} />}
    </>
  );
}
