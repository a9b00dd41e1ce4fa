import { describe, expect, it } from 'vitest';
import {
  currentCursor,
  FIRST_PAGE,
  hasPrevious,
  nextPage,
  pageNumber,
  previousPage,
  rangeLabel,
} from './paging';

describe('keyset paging state', () => {
  it('starts on page 1 with no cursor and nothing before it', () => {
    expect(currentCursor(FIRST_PAGE)).toBeUndefined();
    expect(pageNumber(FIRST_PAGE)).toBe(1);
    expect(hasPrevious(FIRST_PAGE)).toBe(false);
    expect(previousPage(FIRST_PAGE)).toBe(FIRST_PAGE);
  });

  it('goes forward by next_cursor and back by the cursors seen', () => {
    const two = nextPage(FIRST_PAGE, 'c2');
    const three = nextPage(two, 'c3');
    expect(currentCursor(three)).toBe('c3');
    expect(pageNumber(three)).toBe(3);
    expect(hasPrevious(three)).toBe(true);
    const back = previousPage(three);
    expect(currentCursor(back)).toBe('c2');
    expect(currentCursor(previousPage(back))).toBeUndefined();
  });

  it('stays put without a next cursor', () => {
    expect(nextPage(FIRST_PAGE, null)).toBe(FIRST_PAGE);
    expect(nextPage(FIRST_PAGE, undefined)).toBe(FIRST_PAGE);
    expect(nextPage(FIRST_PAGE, '')).toBe(FIRST_PAGE);
  });

  it('labels the range shown, with the total when counted', () => {
    const two = nextPage(FIRST_PAGE, 'c2');
    expect(rangeLabel(FIRST_PAGE, 20, 20, null)).toBe('Showing 1–20');
    expect(rangeLabel(two, 20, 7, 27)).toBe('Showing 21–27 of 27');
    expect(rangeLabel(FIRST_PAGE, 20, 0, 0)).toBe('No matches');
    expect(rangeLabel(two, 20, 0, null)).toBe('No more matches');
  });
});
