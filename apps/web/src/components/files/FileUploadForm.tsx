import { useRef, useState, type SubmitEvent } from 'react';
import { asApiError, isAbortError, type ApiError } from '../../api/client';
import { FILE_CATEGORIES, uploadFile, type FileCategory, type StoredFile } from '../../api/files';
import { fileMessages as fm } from '../../i18n/prescriptions';
import { Field } from '../Field';
import { ErrorNotice } from '../Notice';

interface FileUploadFormProps {
  patientId: string;
  onUploaded: (file: StoredFile) => void;
}

/** One file at a time, with the bytes sent shown as a progress bar (XMLHttpRequest upload). */
export function FileUploadForm({ patientId, onUploaded }: FileUploadFormProps) {
  const [category, setCategory] = useState<FileCategory>('referral');
  const [chosen, setChosen] = useState<File | null>(null);
  const [percent, setPercent] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [missing, setMissing] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const controller = useRef<AbortController | null>(null);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (chosen === null) {
      setMissing(true);
      return;
    }
    setError(null);
    setPercent(0);
    controller.current = new AbortController();
    try {
      const stored = await uploadFile({
        patientId,
        category,
        file: chosen,
        signal: controller.current.signal,
        onProgress: (sent, total) => {
          setPercent(total > 0 ? Math.floor((sent / total) * 100) : 0);
        },
      });
      setChosen(null);
      if (input.current) input.current.value = '';
      onUploaded(stored);
    } catch (err) {
      if (!isAbortError(err)) setError(asApiError(err));
    } finally {
      setPercent(null);
      controller.current = null;
    }
  }

  const uploading = percent !== null;
  return (
    <form className="card form" onSubmit={(event) => void submit(event)} data-testid="file-upload">
      <h3 className="card__title">{fm.upload}</h3>
      {error && <ErrorNotice error={error} />}
      <div className="form__grid">
        <Field label={fm.category} required>
          {(control) => (
            <select
              {...control}
              value={category}
              disabled={uploading}
              data-testid="file-category"
              onChange={(event) => {
                setCategory(event.target.value as FileCategory);
              }}
            >
              {FILE_CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {fm.categories[c] ?? c}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label={fm.file}
          hint={fm.fileHint}
          error={missing ? fm.chooseFile : undefined}
          required
        >
          {(control) => (
            <input
              {...control}
              ref={input}
              type="file"
              accept="image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"
              disabled={uploading}
              data-testid="file-input"
              onChange={(event) => {
                setChosen(event.target.files?.[0] ?? null);
                setMissing(false);
              }}
            />
          )}
        </Field>
      </div>
      {uploading && (
        <div className="upload-progress" data-testid="file-progress">
          <progress max={100} value={percent} aria-label={fm.progress(percent)} />
          <span className="nowrap" data-testid="file-progress-text">
            {fm.progress(percent)}
          </span>
          <button
            type="button"
            className="button button--ghost button--small"
            onClick={() => {
              controller.current?.abort();
            }}
          >
            {fm.cancel}
          </button>
        </div>
      )}
      <div className="form__actions">
        <button type="submit" className="button" disabled={uploading} data-testid="file-submit">
          {fm.submit}
        </button>
      </div>
    </form>
  );
}
