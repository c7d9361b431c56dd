import { useEffect, useState } from 'react';

interface CopyButtonProps {
  text: string;
  label: string;
  copiedLabel: string;
}

/** Copies `text` to the clipboard and says so for a moment; the text stays selectable anyway. */
export function CopyButton({ text, label, copiedLabel }: CopyButtonProps) {
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!copied) return;
    const timer = window.setTimeout(() => {
      setCopied(false);
    }, 2000);
    return () => {
      window.clearTimeout(timer);
    };
  }, [copied]);

  function copy() {
    // Without clipboard permission the user can still select the text by hand.
    navigator.clipboard.writeText(text).then(
      () => {
        setCopied(true);
      },
      () => undefined,
    );
  }

  return (
    <button type="button" className="button button--secondary button--small" onClick={copy}>
      <span aria-live="polite">{copied ? copiedLabel : label}</span>
    </button>
  );
}
