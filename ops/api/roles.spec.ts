import { describe, expect, it } from 'vitest';
import { messageFor } from './roles.ts';

/** A dead letter's reason or a connector's error as each role reads it (GET /dead-letters/{topic}, GET /connectors). */
describe("messageFor: a viewer reads what failed, where and in which field, not the document's values", () => {
  const shopify =
    'mappings/shopify/order.yaml: totals.grandTotal: /total_price: total_price must be a decimal amount, got "12,50"';
  const email =
    'mappings/odoo/res-partner.yaml: emails[0]: $email: "jane.roe@example.com;x" is not an email address (input /records/3/email)';

  it('leaves each quoted value out for a viewer and keeps the rest of the reason', () => {
    expect(messageFor('viewer', shopify)).toBe(
      'mappings/shopify/order.yaml: totals.grandTotal: /total_price: total_price must be a decimal amount, got "…"',
    );
    expect(messageFor('viewer', email)).toBe(
      'mappings/odoo/res-partner.yaml: emails[0]: $email: "…" is not an email address (input /records/3/email)',
    );
  });

  it('hides a value with quotes inside, and one a cut left open, to the end', () => {
    expect(messageFor('viewer', 'name: got "Anna \\"Nan\\" Roe", expected at most 35 characters')).toBe(
      'name: got "…", expected at most 35 characters',
    );
    expect(
      messageFor('viewer', 'phones[0]: got "+49 30 1234567 ext 99 call after six please ask for Jane Roe…'),
    ).toBe('phones[0]: got "…"');
  });

  it('cuts the answer body a target quoted, then the quoted values before it', () => {
    expect(messageFor('viewer', 'refused "jane@example.com": {"NAME1":"Jane Roe"}')).toBe(
      'refused "…": (answer body left out: an operator reads it)',
    );
  });

  it('gives an operator and an admin the message whole', () => {
    expect(messageFor('operator', shopify)).toBe(shopify);
    expect(messageFor('admin', email)).toBe(email);
  });
});
