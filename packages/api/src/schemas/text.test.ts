import { describe, expect, it } from 'vitest';
import { lineText, text } from './text.js';

const messages = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.success ? [] : result.error!.issues.map((i) => i.message);

describe('text', () => {
  it('refuses NUL and keeps every other character, line breaks included', () => {
    expect(messages(text().safeParse('a\u0000b'))).toEqual(['Must not contain NUL characters']);
    expect(text().parse('line one\nline two\t\u0007')).toBe('line one\nline two\t\u0007');
  });
});

describe('lineText', () => {
  it('reports a NUL once, as text() does', () => {
    expect(messages(lineText().safeParse('\u0000'))).toEqual(['Must not contain NUL characters']);
  });

  it.each(['\u0001', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f'])(
    'refuses the control character %j',
    (control) => {
      expect(messages(lineText().safeParse(`a${control}b`))).toEqual(['Must not contain control characters']);
    },
  );

  it('reports both rules when both are broken', () => {
    expect(messages(lineText().safeParse('\u0000\u0001'))).toEqual([
      'Must not contain NUL characters',
      'Must not contain control characters',
    ]);
  });

  it('takes printable text of any script, spaces and Unicode separators', () => {
    for (const value of ['Élodie Σοφία Дмитрий', 'a b', 'a\u00a0b', 'a\u2028b', '😀', '']) {
      expect(lineText().parse(value)).toBe(value);
    }
  });
});
