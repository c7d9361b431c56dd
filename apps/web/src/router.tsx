// A tiny History API router: a handful of routes do not need a routing library.
import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';

export type Route =
  | { name: 'login' }
  | { name: 'patients' }
  | { name: 'patient'; id: string }
  | { name: 'encounter'; id: string }
  | { name: 'settings' }
  | { name: 'staff' }
  | { name: 'breakGlass' }
  | { name: 'breakGlassReview' }
  | { name: 'audit' }
  | { name: 'myPage' }
  | { name: 'schedule' }
  | { name: 'consult'; id: string }
  | { name: 'home' }
  | { name: 'notFound' };

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'home' };
  if (path === '/login') return { name: 'login' };
  if (path === '/patients') return { name: 'patients' };
  if (path === '/settings') return { name: 'settings' };
  if (path === '/staff') return { name: 'staff' };
  if (path === '/break-glass') return { name: 'breakGlass' };
  if (path === '/break-glass/review') return { name: 'breakGlassReview' };
  if (path === '/audit') return { name: 'audit' };
  if (path === '/mypage') return { name: 'myPage' };
  if (path === '/schedule') return { name: 'schedule' };
  const match = /^\/(patients|encounters|consult)\/([^/]+)$/.exec(path);
  if (!match?.[2]) return { name: 'notFound' };
  const id = safeDecode(match[2]);
  if (id === null) return { name: 'notFound' };
  if (match[1] === 'patients') return { name: 'patient', id };
  return match[1] === 'consult' ? { name: 'consult', id } : { name: 'encounter', id };
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', notify);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

/** The current path and query, for returning to it after a login. */
export const currentHref = snapshot;

export interface AppLocation {
  pathname: string;
  search: URLSearchParams;
  href: string;
}

export function useLocation(): AppLocation {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const url = new URL(href, window.location.origin);
  return { pathname: url.pathname, search: url.searchParams, href };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) {
    window.history.replaceState(null, '', to);
  } else {
    window.history.pushState(null, '', to);
    window.scrollTo(0, 0);
  }
  notify();
}

interface LinkProps {
  to: string;
  children: ReactNode;
  className?: string;
  'aria-current'?: 'page';
  'data-testid'?: string;
}

export function Link({ to, children, className, ...rest }: LinkProps) {
  function onClick(event: MouseEvent<HTMLAnchorElement>) {
    // Let the browser handle new-tab and download gestures.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(to);
  }
  return (
    <a href={to} className={className} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}

export function patientPath(id: string, tab?: string): string {
  const base = `/patients/${encodeURIComponent(id)}`;
  return tab ? `${base}?tab=${encodeURIComponent(tab)}` : base;
}

export function encounterPath(id: string): string {
  return `/encounters/${encodeURIComponent(id)}`;
}

/** The schedule of one Tokyo day, optionally one doctor's. */
export function schedulePath(date?: string, doctorId?: string): string {
  const params = new URLSearchParams();
  if (date) params.set('date', date);
  if (doctorId) params.set('doctor', doctorId);
  const qs = params.toString();
  return qs ? `/schedule?${qs}` : '/schedule';
}

/** The video consultation of one appointment. */
export function consultPath(appointmentId: string): string {
  return `/consult/${encodeURIComponent(appointmentId)}`;
}
