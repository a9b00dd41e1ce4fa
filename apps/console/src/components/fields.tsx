import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';
import type { UiError } from '../lib/errors';

interface FieldFrame {
  id: string;
  label: string;
  /** The API's (or the form's) message for this field, shown under it. */
  error?: string | undefined;
  hint?: ReactNode;
}

/** What every control of a field carries: its id and name, and aria for its hint and error. */
function controlProps({ id, hint, error }: Pick<FieldFrame, 'id' | 'hint' | 'error'>) {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean);
  return {
    id,
    name: id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': ids.length > 0 ? ids.join(' ') : undefined,
  };
}

function Frame({ id, label, error, hint, children }: FieldFrame & { children: ReactNode }) {
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function TextField({
  id,
  label,
  error,
  hint,
  ...input
}: FieldFrame & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Frame id={id} label={label} error={error} hint={hint}>
      <input {...controlProps({ id, hint, error })} {...input} />
    </Frame>
  );
}

export function TextAreaField({
  id,
  label,
  error,
  hint,
  ...input
}: FieldFrame & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <Frame id={id} label={label} error={error} hint={hint}>
      <textarea {...controlProps({ id, hint, error })} {...input} />
    </Frame>
  );
}

export function SelectField({
  id,
  label,
  error,
  hint,
  options,
  ...select
}: FieldFrame &
  SelectHTMLAttributes<HTMLSelectElement> & { options: readonly (readonly [string, string])[] }) {
  return (
    <Frame id={id} label={label} error={error} hint={hint}>
      <select {...controlProps({ id, hint, error })} {...select}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </Frame>
  );
}

/**
 * The caller's current password, confirming a sensitive change: under it the form's own message, the API's for
 * this field (`password` unless named), or a WRONG_PASSWORD refusal's.
 */
export function CurrentPasswordField({
  apiError,
  field = 'password',
  local,
  label = 'Your password',
  ...input
}: Omit<FieldFrame, 'label' | 'error'> & {
  label?: string;
  apiError: UiError | null | undefined;
  field?: string;
  local?: string | null;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'type' | 'autoComplete'>) {
  const error =
    local ?? apiError?.fields[field] ?? (apiError?.code === 'WRONG_PASSWORD' ? apiError.message : undefined);
  return (
    <TextField
      label={label}
      type="password"
      autoComplete="current-password"
      error={error}
      required
      {...input}
    />
  );
}
