import { useEffect, useState } from 'react';
import { getPatient } from '../api/patients';

/** A patient's name as a list row shows it; null while loading, '' when it cannot be read. */
export type PatientNames = ReadonlyMap<string, string>;

/**
 * The names of the patients in a list of appointments, one audited read per patient (the
 * appointment itself carries ids only). Names already read are kept while the page lives.
 */
export function usePatientNames(ids: readonly string[]): PatientNames {
  const [names, setNames] = useState<PatientNames>(new Map());
  const wanted = [...new Set(ids)].sort().join(',');

  useEffect(() => {
    const missing = wanted === '' ? [] : wanted.split(',').filter((id) => !names.has(id));
    if (missing.length === 0) return;
    const controller = new AbortController();
    void Promise.all(
      missing.map((id) =>
        getPatient(id, controller.signal).then(
          (p) => [id, `${p.familyName} ${p.givenName}`] as const,
          () => [id, ''] as const,
        ),
      ),
    ).then((found) => {
      if (controller.signal.aborted) return;
      setNames((current) => new Map([...current, ...found]));
    });
    return () => {
      controller.abort();
    };
    // `names` is read, not followed: a new name must not start another round of reads.
  }, [wanted]);

  return names;
}
