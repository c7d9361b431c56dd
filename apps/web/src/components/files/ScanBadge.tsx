import type { StoredFile } from '../../api/files';
import { fileMessages as fm } from '../../i18n/prescriptions';

export function ScanBadge({ status }: { status: StoredFile['status'] }) {
  return (
    <span
      className={`badge badge--scan-${status}`}
      data-testid="file-scan-state"
      data-status={status}
    >
      {fm.status[status] ?? status}
    </span>
  );
}
