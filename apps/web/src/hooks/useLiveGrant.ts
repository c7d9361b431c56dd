import { listMyGrants } from '../api/breakGlass';
import type { Role } from '../api/types';
import { liveGrant } from '../lib/breakGlass';
import { canBreakGlass } from '../lib/roles';
import { useResource } from './useResource';

/**
 * The end of the caller's running break-the-glass grant for this patient, asked of the server;
 * null when there is none (or the role can never hold one: nothing is asked then).
 */
export function useLiveGrant(patientId: string | null, role: Role) {
  const ask = patientId !== null && canBreakGlass(role);
  const mine = useResource(`breakGlass:mine:${ask ? patientId : ''}`, (signal) =>
    ask ? listMyGrants(signal) : Promise.resolve([]),
  );
  return {
    grant: patientId === null ? null : liveGrant(mine.data, patientId),
    reload: mine.reload,
  };
}
