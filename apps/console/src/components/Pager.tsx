import { hasPrevious, pageNumber, type PagingState } from '../lib/paging';

/** Previous / Next over keyset pages, with where the list stands. */
export function Pager({
  state,
  label,
  range,
  hasNext,
  onPrevious,
  onNext,
  busy,
}: {
  state: PagingState;
  label: string;
  range: string;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  busy: boolean;
}) {
  return (
    <nav className="pager" aria-label={label}>
      <button
        type="button"
        className="button-quiet"
        disabled={busy || !hasPrevious(state)}
        onClick={onPrevious}
      >
        Previous page
      </button>
      <span aria-live="polite">
        Page {pageNumber(state)} · {range}
      </span>
      <button type="button" className="button-quiet" disabled={busy || !hasNext} onClick={onNext}>
        Next page
      </button>
    </nav>
  );
}
