import { ja, type Messages } from './ja';

/** The active messages. Japanese only for now; the shape is ready for a second language. */
export const t: Messages = ja;
