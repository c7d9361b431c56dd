import { useState } from 'react';
import { asApiError, type ApiError } from '../../api/client';
import { prescriptionPdfUrl, type Prescription } from '../../api/prescriptions';
import { rx } from '../../i18n/prescriptions';
import { startDownload } from '../../lib/download';
import { ErrorNotice, Notice } from '../Notice';

/**
 * Asks for a fresh signed URL at the moment of the click (they live five minutes) and lets the
 * browser save the attachment. The CSP has no frame or object source for a PDF viewer, and it
 * stays that way: the preview is the HTML sheet, the PDF is downloaded.
 */
export function PdfDownloadButton({ prescription }: { prescription: Prescription }) {
  const [busy, setBusy] = useState(false);
  const [started, setStarted] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  if (prescription.status === 'cancelled') {
    return <p className="muted">{rx.cancelledNoPdf}</p>;
  }

  async function download() {
    setBusy(true);
    setError(null);
    setStarted(false);
    try {
      const { url } = await prescriptionPdfUrl(prescription.id);
      startDownload(url);
      setStarted(true);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="rx-download">
      <button
        type="button"
        className="button"
        disabled={busy}
        data-testid="rx-download"
        onClick={() => void download()}
      >
        {busy ? rx.downloading : rx.download}
      </button>
      {started && <Notice kind="success">{rx.downloadStarted}</Notice>}
      {error && <ErrorNotice error={error} />}
    </div>
  );
}
