// The camera and microphone for a consultation, and why they could not be had.

export type MediaRefusal = 'denied' | 'notFound' | 'busy' | 'insecure' | 'other';

export class MediaUnavailable extends Error {
  override readonly name = 'MediaUnavailable';
  constructor(readonly reason: MediaRefusal) {
    super(reason);
  }
}

/** Maps getUserMedia's DOMException names (Media Capture and Streams §9.2) to what to tell. */
function refusalOf(error: unknown): MediaRefusal {
  const name = error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'notFound';
    case 'NotReadableError':
    case 'AbortError':
      return 'busy';
    default:
      return 'other';
  }
}

/** Camera and microphone together: a consultation needs both. */
export async function openCameraAndMicrophone(): Promise<MediaStream> {
  // Only secure contexts (HTTPS, or localhost in development) have navigator.mediaDevices.
  if (!('mediaDevices' in navigator)) throw new MediaUnavailable('insecure');
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  } catch (error) {
    throw new MediaUnavailable(refusalOf(error));
  }
}

export function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
