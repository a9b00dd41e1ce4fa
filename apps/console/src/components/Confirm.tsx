import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A question asked before something that cannot be taken back: the question, a confirming button and Cancel,
 * grouped and labelled by the question. With `focus`, the question takes keyboard focus when it appears.
 */
export function Confirm({
  id,
  children,
  confirmLabel,
  danger = true,
  pending = false,
  focus = false,
  onConfirm,
  onCancel,
}: {
  /** The question's element id (the group's label). */
  id: string;
  children: ReactNode;
  confirmLabel: ReactNode;
  danger?: boolean;
  pending?: boolean;
  focus?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const question = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (focus) question.current?.focus();
  }, [focus]);
  return (
    <div className="confirm" role="group" aria-labelledby={id}>
      <p id={id} ref={question} tabIndex={focus ? -1 : undefined}>
        {children}
      </p>
      <button
        type="button"
        className={danger ? 'button-danger' : undefined}
        disabled={pending}
        onClick={onConfirm}
      >
        {confirmLabel}
      </button>
      <button type="button" className="button-quiet" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
