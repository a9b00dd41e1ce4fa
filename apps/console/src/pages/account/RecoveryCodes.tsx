import { useEffect, useState } from 'react';
import { recoveryCodesFileName, recoveryCodesText } from '../../lib/mfa';

/**
 * Recovery codes, shown this once: copy them, download them as a text file, then say they are saved (which hides
 * them for good).
 */
export function RecoveryCodes({
  codes,
  account,
  onSaved,
}: {
  codes: string[];
  account: string;
  onSaved: () => void;
}) {
  const [copied, setCopied] = useState<string | null>(null);
  const text = recoveryCodesText(codes, account, new Date());

  useEffect(() => {
    document.getElementById('recovery-codes-heading')?.focus();
  }, []);
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = recoveryCodesFileName(account);
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1_000);
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('The browser would not copy: select the codes and copy them yourself, or download them.');
    }
  };

  return (
    <div className="recovery-codes" role="group" aria-labelledby="recovery-codes-heading">
      <h3 id="recovery-codes-heading" tabIndex={-1}>
        Your recovery codes
      </h3>
      <p>
        Keep these somewhere safe. If you lose your authenticator app, each code signs you in once.{' '}
        <strong>They are shown only now.</strong>
      </p>
      <ol className="code-list" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="actions">
        <button type="button" className="button-quiet" onClick={() => void copy()}>
          Copy codes
        </button>
        <button type="button" className="button-quiet" onClick={download}>
          Download as text
        </button>
        <button type="button" onClick={onSaved}>
          I saved them
        </button>
      </div>
      {copied ? (
        <p className="muted" role="status">
          {copied}
        </p>
      ) : null}
    </div>
  );
}
