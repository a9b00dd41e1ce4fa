import { describe, expect, it } from 'vitest';
import { searchParams } from './trpc-queries.js';

// The query string as tRPC's adapter reads it (URLSearchParams), or undefined where the adapter must decide.

describe('searchParams()', () => {
  it('reads what URLSearchParams reads', () => {
    for (const qs of [
      '',
      'batch=1',
      'batch=1&input=%7B%220%22%3A%7B%22limit%22%3A20%7D%7D',
      'input=%7B%22q%22%3A%22a+b%22%7D',
      'input={"q":"a b"}&batch=0',
      'input=%7B%22email%22%3A%22x%2By%40example.com%22%7D',
      'flag&batch=1',
      'a=&&b=%C3%A9t%C3%A9',
      'input=%7B%22x%22%3A%22%E2%9C%93%22%7D',
    ]) {
      expect(Object.fromEntries(searchParams(qs)!)).toEqual(Object.fromEntries(new URLSearchParams(qs)));
    }
  });

  it('leaves a name given twice, or an escape that does not decode, to tRPC’s adapter', () => {
    expect(searchParams('batch=1&batch=1')).toBeUndefined();
    expect(searchParams('input=1&input=2')).toBeUndefined();
    expect(searchParams('input=%E0%A4%A')).toBeUndefined();
    expect(searchParams('in%ZZput=1')).toBeUndefined();
  });
});
