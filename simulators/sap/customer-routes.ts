import type { Router } from 'express';
import { z } from 'zod';
import type { SimContext } from '../common/types.ts';
import { checkCredit, convert, KNOWN_CURRENCIES } from './credit.ts';
import { alphaKunnr, customerBody, findCustomer, toCustomer } from './customers.ts';
import { sapError } from './errors.ts';
import type { SapState } from './state.ts';

const creditCheckSchema = z.object({
  KUNNR: z.string().min(1),
  amount: z.number().finite().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/),
});

function pageParam(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw sapError(400, '/IWBEP/CM_MGW_RT/003', `Invalid system query option ${name}: "${String(value)}"`);
  }
  return number;
}

/** Customer master (DEBMAS-like JSON in OData V2 envelopes) and the ERP credit check. */
export function customerRoutes(router: Router, sim: SimContext<SapState>): void {
  router.get('/sap/customers', (req, res) => {
    const top = pageParam(req.query.$top, '$top');
    const skip = pageParam(req.query.$skip, '$skip') ?? 0;
    const all = Object.values(sim.state.customers).sort((a, b) => a.KUNNR.localeCompare(b.KUNNR));
    const filtered =
      typeof req.query.LAND1 === 'string' ? all.filter((c) => c.LAND1 === req.query.LAND1) : all;
    const results = filtered.slice(skip, top === undefined ? undefined : skip + top);
    const count = req.query.$inlinecount === 'allpages' ? { __count: String(filtered.length) } : {};
    res.json({ d: { ...count, results } });
  });

  router.get('/sap/customers/:kunnr', (req, res) => {
    res.json({ d: findCustomer(sim.state, req.params.kunnr) });
  });

  router.put('/sap/customers/:kunnr', (req, res) => {
    const kunnr = alphaKunnr(req.params.kunnr);
    if (!kunnr) throw sapError(400, 'F2/102', `"${req.params.kunnr}" is not a valid customer number`);
    const existing = sim.state.customers[kunnr];
    const customer = toCustomer(kunnr, customerBody(req.body), new Date(), existing);
    if (Array.isArray(customer)) {
      const first = customer[0]!;
      const error = sapError(400, 'CUSTOMER_INVALID', `Field ${first.field}: ${first.message}`);
      const body = error.body as { error: { innererror: { errordetails: unknown[] } } };
      body.error.innererror.errordetails = customer.map((p) => ({
        code: 'CUSTOMER_INVALID',
        message: `${p.field}: ${p.message}`,
        target: p.field,
        severity: 'error',
      }));
      throw error;
    }
    sim.state.customers[kunnr] = customer;
    sim.recordEffect(req, {
      entityType: 'DEBMAS',
      entityId: kunnr,
      operation: existing ? 'update' : 'create',
      detail: { KLIMK: customer.KLIMK, OBLIG: customer.OBLIG },
    });
    // OData V2: a created entity comes back with 201, an updated one with 204 and no body.
    if (existing) res.status(204).end();
    else res.status(201).location(`/sap/customers/${kunnr}`).json({ d: customer });
  });

  router.post('/sap/credit-check', (req, res) => {
    const parsed = creditCheckSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw sapError(400, 'CREDIT_CHECK_INVALID', `Field ${issue.path.join('.')}: ${issue.message}`);
    }
    const { KUNNR, amount, currency } = parsed.data;
    const customer = findCustomer(sim.state, KUNNR);
    const creditAmount = convert(amount, currency, customer.WAERS);
    if (creditAmount === undefined) {
      throw sapError(
        400,
        'SG/105',
        `No exchange rate from ${currency} to ${customer.WAERS} (known: ${KNOWN_CURRENCIES.join(', ')})`,
      );
    }
    const result = checkCredit(customer, amount, creditAmount, currency);
    // Credit management logs every check it makes (FSCM's credit check log): the effect a caller's retry with its
    // idempotency key must not repeat. The check itself reserves nothing.
    sim.recordEffect(req, {
      entityType: 'CREDIT_CHECK',
      entityId: customer.KUNNR,
      operation: 'check',
      detail: {
        amount,
        currency,
        result: result.result,
        ...(result.reason ? { reason: result.reason.code } : {}),
      },
    });
    res.json({ d: result });
  });
}
