import { describe, expect, it } from 'vitest';
import { withoutDocumentValues, withoutValueMarks } from '../../../lib/errors.ts';
import { creditCheckRefusal } from './steps.ts';

describe('credit check refusals', () => {
  it("say the customer and SAP Gateway's code and text, not the raw error body", () => {
    const body = JSON.stringify({
      error: {
        code: 'F2/153',
        message: { lang: 'en', value: 'Customer 0000999999 does not exist' },
        innererror: { transactionid: '0'.repeat(32), errordetails: [{ code: 'F2/153', severity: 'error' }] },
      },
    });
    expect(withoutValueMarks(creditCheckRefusal('0000999999', 404, body))).toBe(
      'credit check: SAP refused customer 0000999999 (HTTP 404 F2/153): Customer 0000999999 does not exist',
    );
  });

  it('another body: its start, or that none was given', () => {
    expect(withoutValueMarks(creditCheckRefusal('100170', 400, 'currency XYZ unknown'))).toBe(
      'credit check: SAP refused customer 100170 (HTTP 400): currency XYZ unknown',
    );
    expect(creditCheckRefusal('100170', 403, '')).toBe(
      'credit check: SAP refused customer 100170 (HTTP 403): no reason given',
    );
  });

  it("quote SAP's words as a document value: a viewer and the logs read the customer and status, not what SAP said of it", () => {
    const refused = creditCheckRefusal(
      '100170',
      400,
      'Customer Jane Roe (jane.roe@example.com) is blocked for delivery',
    );
    expect(withoutDocumentValues(refused)).toBe('credit check: SAP refused customer 100170 (HTTP 400): "…"');
    expect(withoutValueMarks(refused)).toContain('Customer Jane Roe (jane.roe@example.com) is blocked');
  });
});
