import { createContext, useContext } from 'react';
import type { Me } from './api/types';

export interface Session {
  me: Me;
  /** Ends the session; `notice` replaces the usual "logged out" message on the login screen. */
  logout: (notice?: string) => void;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in user. Only pages rendered inside an authenticated session call this. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() outside an authenticated session');
  return session;
}
