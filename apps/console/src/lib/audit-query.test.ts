import { describe, expect, it } from 'vitest';
import {
  auditFiltersString,
  auditInput,
  EMPTY_AUDIT_FILTERS,
  parseAuditFilters,
  parseId,
} from './audit-query';

describe('parseId', () => {
  it('accepts positive whole numbers only', () => {
    expect(parseId(' 42 ')).toEqual({ id: 42, error: null });
    expect(parseId('')).toEqual({ id: null, error: null });
    for (const bad of ['0', '-1', '1.5', 'abc', '99999999999'])
      expect(parseId(bad).error).toMatch(/whole number/);
  });
});

describe('auditInput', () => {
  it('sends only the filters that are set, days as UTC bounds (the end day included)', () => {
    expect(auditInput(EMPTY_AUDIT_FILTERS, undefined, 50)).toEqual({ errors: {}, input: { limit: 50 } });
    const { input, errors } = auditInput(
      { actor: '1', target: '7', action: ' user.deactivated ', since: '2026-01-30', until: '2026-01-31' },
      'cur',
      20,
    );
    expect(errors).toEqual({});
    expect(input).toEqual({
      actor_id: 1,
      target_id: 7,
      action: 'user.deactivated',
      since: '2026-01-30T00:00:00.000Z',
      until: '2026-02-01T00:00:00.000Z',
      limit: 20,
      cursor: 'cur',
    });
  });

  it('names what is wrong instead of sending it', () => {
    const { errors, input } = auditInput(
      { ...EMPTY_AUDIT_FILTERS, actor: 'x', target: '0', since: '31/01', until: 'y' },
      undefined,
      50,
    );
    expect(Object.keys(errors).sort()).toEqual(['actor', 'since', 'target', 'until']);
    expect(input).toEqual({ limit: 50 });
    const reversed = auditInput(
      { ...EMPTY_AUDIT_FILTERS, since: '2026-02-02', until: '2026-02-01' },
      undefined,
      50,
    );
    expect(reversed.errors.until).toMatch(/before the start/);
  });
});

describe('filters in the URL', () => {
  it('round-trip, leaving empty ones out', () => {
    const filters = { ...EMPTY_AUDIT_FILTERS, target: '7', action: 'user.deactivated' };
    const text = auditFiltersString(filters);
    expect(text).toBe('?target=7&action=user.deactivated');
    expect(parseAuditFilters(text)).toEqual(filters);
    expect(auditFiltersString(EMPTY_AUDIT_FILTERS)).toBe('');
  });
});
