/**
 * Keyset paging state: the cursor of every page seen so far, so "Previous" goes back without the server knowing
 * page numbers. Page 1 has no cursor; "Next" pushes the next_cursor the current page answered with.
 */
export interface PagingState {
  /** The cursor of each page visited, page 1 first (undefined: the first page). */
  cursors: (string | undefined)[];
}

export const FIRST_PAGE: PagingState = { cursors: [undefined] };

/** The cursor to ask the current page with. */
export function currentCursor(state: PagingState): string | undefined {
  return state.cursors.at(-1);
}

/** 1 for the first page. */
export function pageNumber(state: PagingState): number {
  return state.cursors.length;
}

export function hasPrevious(state: PagingState): boolean {
  return state.cursors.length > 1;
}

/** The state after "Next", given the current page's next_cursor (unchanged when there is no next page). */
export function nextPage(state: PagingState, nextCursor: string | null | undefined): PagingState {
  return nextCursor ? { cursors: [...state.cursors, nextCursor] } : state;
}

/** The state after "Previous" (unchanged on the first page). */
export function previousPage(state: PagingState): PagingState {
  return hasPrevious(state) ? { cursors: state.cursors.slice(0, -1) } : state;
}

/** "Showing 21–40 of 97", "Showing 1–20", "No matches". */
export function rangeLabel(
  state: PagingState,
  pageSize: number,
  shown: number,
  total: number | null,
): string {
  if (shown === 0) return pageNumber(state) === 1 ? 'No matches' : 'No more matches';
  const first = (pageNumber(state) - 1) * pageSize + 1;
  const last = first + shown - 1;
  return total === null ? `Showing ${first}–${last}` : `Showing ${first}–${last} of ${total}`;
}
