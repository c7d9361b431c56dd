import { useCallback, useState } from 'react';
import { consult as c } from '../../i18n/consult';
import type { ConsultState } from '../../lib/consult/session';
import { ConfirmAction } from '../ConfirmAction';
import { Notice } from '../Notice';
import { VideoView } from './VideoView';

interface CallViewProps {
  state: ConsultState;
  isDoctor: boolean;
  onMic: (on: boolean) => void;
  onCamera: (on: boolean) => void;
  onEnd: () => void;
  onLeave: () => void;
}

/** The call: the other side large, oneself small, and the controls underneath. */
export function CallView({ state, isDoctor, onMic, onCamera, onEnd, onLeave }: CallViewProps) {
  const [blocked, setBlocked] = useState(false);
  const [playAttempt, setPlayAttempt] = useState(0);
  const onPlayBlocked = useCallback(() => {
    setBlocked(true);
  }, []);
  const receiving = state.framesDecoded > 0;

  return (
    <section className="consult-call" data-testid="consult-call">
      {!state.peerPresent && <Notice kind="warning">{c.call.peerAway}</Notice>}
      <div className="consult-stage">
        <VideoView
          stream={state.remoteStream}
          muted={false}
          label={c.call.remote}
          className="consult-video consult-video--remote"
          testId="consult-remote-video"
          framesDecoded={state.framesDecoded}
          onPlayBlocked={onPlayBlocked}
          playAttempt={playAttempt}
        />
        <VideoView
          stream={state.localStream}
          muted
          label={c.call.local}
          className="consult-video consult-video--local"
          testId="consult-local-video"
        />
        <p className="consult-stage__status" role="status" data-testid="consult-video-status">
          {receiving ? c.call.receiving : c.call.waitingForVideo}
        </p>
      </div>
      {blocked && (
        <Notice kind="info">
          <p>{c.call.playBlocked}</p>
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              setBlocked(false);
              setPlayAttempt((n) => n + 1);
            }}
          >
            {c.call.play}
          </button>
        </Notice>
      )}
      <div className="consult-controls" role="group" aria-label={c.title}>
        <button
          type="button"
          className="button button--secondary"
          data-testid="consult-mute"
          aria-pressed={!state.micOn}
          onClick={() => {
            onMic(!state.micOn);
          }}
        >
          {state.micOn ? c.call.mute : c.call.unmute}
        </button>
        <button
          type="button"
          className="button button--secondary"
          data-testid="consult-camera"
          aria-pressed={!state.cameraOn}
          onClick={() => {
            onCamera(!state.cameraOn);
          }}
        >
          {state.cameraOn ? c.call.cameraOff : c.call.cameraOn}
        </button>
        {isDoctor ? (
          <ConfirmAction
            label={c.call.end}
            question={c.call.endConfirm}
            confirmLabel={c.call.end}
            testId="consult-end"
            disabled={state.reconnecting}
            onConfirm={async () => {
              onEnd();
            }}
          />
        ) : (
          <button
            type="button"
            className="button button--danger"
            data-testid="consult-leave"
            onClick={onLeave}
          >
            {c.call.leave}
          </button>
        )}
      </div>
    </section>
  );
}
