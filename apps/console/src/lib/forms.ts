/** What an edit form changed: only the fields whose value differs, blank optional text sent as null. */

export interface ProfileFields {
  email: string;
  username: string;
  full_name: string;
  bio: string;
}

export interface ProfileRecord {
  email: string;
  username: string;
  full_name: string | null;
  bio: string | null;
}

export type ProfileChanges = Partial<{
  email: string;
  username: string;
  full_name: string | null;
  bio: string | null;
}>;

/** The form's starting values for a record (null as ""). */
export function profileFields(record: ProfileRecord): ProfileFields {
  return {
    email: record.email,
    username: record.username,
    full_name: record.full_name ?? '',
    bio: record.bio ?? '',
  };
}

/** The fields that changed, ready to send: email and username trimmed, full_name and bio null when blank. */
export function profileChanges(record: ProfileRecord, form: ProfileFields): ProfileChanges {
  const changes: ProfileChanges = {};
  const email = form.email.trim();
  const username = form.username.trim();
  const fullName = form.full_name.trim() === '' ? null : form.full_name;
  const bio = form.bio.trim() === '' ? null : form.bio;
  if (email !== record.email) changes.email = email;
  if (username !== record.username) changes.username = username;
  if (fullName !== record.full_name) changes.full_name = fullName;
  if (bio !== record.bio) changes.bio = bio;
  return changes;
}

/** Client-side checks of a new password before it is sent (the server checks again). */
export function newPasswordError(password: string, confirmation: string): Record<string, string> {
  if (password.length < 8) return { new_password: 'Use at least 8 characters.' };
  if (password.length > 128) return { new_password: 'Use at most 128 characters.' };
  if (password !== confirmation) return { confirm_password: 'The two passwords differ.' };
  return {};
}
