import { useEffect, useState } from 'react';

/** A signing secret (whsec_…), shown this once: copy it, then dismiss it for good. */
export function SecretOnce({ secret, title, onDone }: { secret: string; title: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  useEffect(() => {
    document.getElementById('secret-once-heading')?.focus();
  }, []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('The browser would not copy: select the secret and copy it yourself.');
    }
  };
  return (
    <div className="alert alert-success secret-once" role="group" aria-labelledby="secret-once-heading">
      <h3 id="secret-once-heading" tabIndex={-1}>
        {title}
      </h3>
      <p>
        Your receiver verifies each delivery with this secret (Standard Webhooks).{' '}
        <strong>It is shown only now:</strong> store it before you leave this page.
      </p>
      <p>
        <code className="secret" data-testid="webhook-secret">
          {secret}
        </code>
      </p>
      <div className="actions">
        <button type="button" className="button-quiet" onClick={() => void copy()}>
          Copy secret
        </button>
        <button type="button" onClick={onDone}>
          I stored it
        </button>
      </div>
      {copied ? <p role="status">{copied}</p> : null}
    </div>
  );
}
