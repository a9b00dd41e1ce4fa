import { describe, expect, it } from 'vitest';
import { newPasswordError, profileChanges, profileFields } from './forms';

const record = { email: 'ada@example.com', username: 'ada', full_name: 'Ada', bio: null };

describe('profile forms', () => {
  it('start from the record, null as empty text', () => {
    expect(profileFields(record)).toEqual({
      email: 'ada@example.com',
      username: 'ada',
      full_name: 'Ada',
      bio: '',
    });
  });

  it('send only what changed: trimmed email and username, blank text as null', () => {
    expect(profileChanges(record, profileFields(record))).toEqual({});
    expect(
      profileChanges(record, {
        email: ' ada@new.example ',
        username: ' ada2 ',
        full_name: '  ',
        bio: 'Hello',
      }),
    ).toEqual({ email: 'ada@new.example', username: 'ada2', full_name: null, bio: 'Hello' });
  });
});

describe('newPasswordError', () => {
  it('checks length and that both entries match', () => {
    expect(newPasswordError('short', 'short')).toEqual({ new_password: 'Use at least 8 characters.' });
    expect(newPasswordError('x'.repeat(129), 'x'.repeat(129))).toEqual({
      new_password: 'Use at most 128 characters.',
    });
    expect(newPasswordError('long enough', 'long enougH')).toEqual({
      confirm_password: 'The two passwords differ.',
    });
    expect(newPasswordError('long enough', 'long enough')).toEqual({});
  });
});
