import { useEffect, useRef } from 'react';

interface VideoViewProps {
  stream: MediaStream | null;
  /** The own picture is always muted: hearing oneself would echo into the call. */
  muted: boolean;
  label: string;
  className: string;
  testId: string;
  /** The receiver's decoded frames, for whoever checks that video really arrives. */
  framesDecoded?: number;
  /** Autoplay with sound was refused (no user gesture on this page yet). */
  onPlayBlocked?: () => void;
  /** Bumped after a user gesture, to try playing again. */
  playAttempt?: number;
}

export function VideoView(props: VideoViewProps) {
  const { stream, muted, onPlayBlocked, playAttempt } = props;
  const ref = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.muted = muted;
    if (video.srcObject !== stream) video.srcObject = stream;
    if (stream === null) return;
    video.play().catch(() => {
      onPlayBlocked?.();
    });
  }, [stream, muted, onPlayBlocked, playAttempt]);

  return (
    <video
      ref={ref}
      className={props.className}
      aria-label={props.label}
      data-testid={props.testId}
      data-frames-decoded={props.framesDecoded}
      autoPlay
      playsInline
      muted={muted}
    />
  );
}
