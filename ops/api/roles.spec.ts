import { describe, expect, it } from 'vitest';
import { OdooFaultError } from '../../connectors/odoo/jsonrpc.ts';
import { reader as shopify } from '../../formats/shopify-order/index.ts';
import { quotedValue } from '../../lib/errors.ts';
import { date } from '../../mappings/engine/functions.ts';
import { messageFor, UNMARKED_REASON_NOTE } from './roles.ts';

/** What `make` throws: the message as the code that makes it writes it. */
function thrown(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('nothing was thrown');
}

/** A dead letter's reason or a connector's error as each role reads it (GET /dead-letters/{topic}, GET /connectors). */
describe("messageFor: a viewer reads what failed, where and in which field, not the document's values", () => {
  const shopifyAmount = `mappings/shopify/order.yaml: totals.grandTotal: /total_price: total_price must be a decimal amount, got ${quotedValue('12,50')}`;
  const email = `mappings/odoo/res-partner.yaml: emails[0]: $email: ${quotedValue('jane.roe@example.com;x')} is not an email address (input /records/3/email)`;

  it('leaves each value its maker quoted out for a viewer and keeps the rest of the reason', () => {
    expect(messageFor('viewer', shopifyAmount)).toBe(
      'mappings/shopify/order.yaml: totals.grandTotal: /total_price: total_price must be a decimal amount, got "…"',
    );
    expect(messageFor('viewer', email)).toBe(
      'mappings/odoo/res-partner.yaml: emails[0]: $email: "…" is not an email address (input /records/3/email)',
    );
  });

  it('hides a value a reader quotes without quotation marks (a country code) and one a mapping function quotes', () => {
    const order = Buffer.from(
      '{"id": 1, "created_at": "2024-01-10T10:00:00Z", "currency": "USD", "shipping_address": {"country_code": "Jane Roe, Hauptstr. 1"}}',
    );
    const refused = thrown(() => shopify.parse(order));
    expect(refused).toContain('Jane Roe');
    expect(messageFor('viewer', refused)).not.toContain('Jane Roe');
    expect(messageFor('viewer', refused)).toMatch(
      /country_code must be an ISO 3166-1 alpha-2 code, got "…"$/,
    );
    const mapped = thrown(() => date('1984-02-31'));
    expect(messageFor('viewer', mapped)).toBe('$date: "…" is not a calendar date');
  });

  it("hides a target's own words about the record (Odoo's fault message), keeping which call and which fault", () => {
    const fault = new OdooFaultError(
      'odoo-out: Odoo res.partner.write',
      'ValidationError',
      'Jane Roe: invalid email jane@x',
    );
    expect(messageFor('viewer', fault.message)).toBe(
      'odoo-out: Odoo res.partner.write: Odoo ValidationError: "…"',
    );
    expect(messageFor('operator', fault.message)).toContain('Jane Roe: invalid email jane@x');
  });

  it('gives an operator and an admin the message whole, as plain text: the values without the marks that hide them from a viewer', () => {
    expect(messageFor('operator', shopifyAmount)).toBe(
      'mappings/shopify/order.yaml: totals.grandTotal: /total_price: total_price must be a decimal amount, got "12,50"',
    );
    expect(messageFor('admin', email)).not.toMatch(/[\u2068\u2069]/);
  });

  it('keeps the technical names an operator needs, quoted or not: connector, mapping, field, format, topic', () => {
    const technical =
      'connector "odoo-out": mapping "mappings/odoo/res-partner.yaml" reads format "odoo-res-partner"; topic "eai.customer.v1" does not exist';
    expect(messageFor('viewer', technical)).toBe(technical);
  });

  it('hides a value with quotes or bidi controls inside, and one a cut left open, to the end', () => {
    expect(
      messageFor('viewer', `name: got ${quotedValue('Anna "Nan" Roe')}, expected at most 35 characters`),
    ).toBe('name: got "…", expected at most 35 characters');
    const spoof = `name: got ${quotedValue('Roe\u2069\u202e, accepted')}, expected at most 35 characters`;
    expect(messageFor('viewer', spoof)).toBe('name: got "…", expected at most 35 characters');
    const cut = `phones[0]: got ${quotedValue('+49 30 1234567')}`.slice(0, -5);
    expect(messageFor('viewer', cut)).toBe('phones[0]: got "…"');
  });

  it('cuts the answer body a target quoted, marked as a value or not', () => {
    expect(messageFor('viewer', `refused ${quotedValue('jane@example.com')}: {"NAME1":"Jane Roe"}`)).toBe(
      'refused "…": (answer body left out: an operator reads it)',
    );
  });

  it('shows a viewer only where a reason written before the marks failed: its values may be anywhere in it', () => {
    // Reasons as the hub wrote them before it marked values (dead letters kept from then carry them so).
    const legacy = [
      [
        'mappings/shopify/order.yaml: totals.grandTotal: /total_price: total_price must be a decimal amount, got "12,50"',
        'mappings/shopify/order.yaml: totals.grandTotal: /total_price',
      ],
      [
        'shopify-order: /shipping_address/country_code: country_code must be an ISO 3166-1 alpha-2 code, got DE-Jane Roe',
        'shopify-order: /shipping_address/country_code',
      ],
      [
        'mappings/odoo/res-partner.yaml: emails[0]: $email: jane.roe@example.com;x is not an email address',
        'mappings/odoo/res-partner.yaml: emails[0]: $email',
      ],
      ['$timestamp: 20230229  is not a valid date', '$timestamp'],
      ['odoo-out: Odoo res.partner.write: Odoo ValidationError: Jane Roe: invalid email jane@x', 'odoo-out'],
      ['Jane Roe (jane@x) refused: {"NAME1":"Jane Roe"}', ''],
    ] as const;
    for (const [message, where] of legacy) {
      const viewer = messageFor('viewer', message, false);
      expect(viewer).toBe(where ? `${where}: ${UNMARKED_REASON_NOTE}` : UNMARKED_REASON_NOTE);
      for (const value of ['12,50', 'Jane', 'jane', '20230229', 'DE-']) expect(viewer).not.toContain(value);
      expect(messageFor('operator', message, false)).toBe(message);
    }
    // A marked reason is still shown with only its values hidden.
    expect(messageFor('viewer', shopifyAmount, true)).toMatch(/decimal amount, got "…"$/);
  });
});
