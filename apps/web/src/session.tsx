import { createContext, useContext } from 'react';
import type { Me } from './api/types';

export interface Session {
  me: Me;
  logout: () => void;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in user. Only pages rendered inside an authenticated session call this. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() outside an authenticated session');
  return session;
}
