/**
 * Canonical order status → what the Odoo sink does to a sale.order: the button a person would press (its `action_*`
 * method, so Odoo's own checks and side effects run, as writing `state` directly would skip them) and the states in
 * which that is already done. Statuses Odoo derives itself (delivery, invoicing) are not written: pickings and
 * invoices carry them, not the order.
 */
export const ORDER_ACTIONS: Record<string, { method: string; doneIn: string[] }> = {
  CONFIRMED: { method: 'action_confirm', doneIn: ['sale', 'done'] },
  CANCELLED: { method: 'action_cancel', doneIn: ['cancel'] },
  // Back to quotation: Odoo allows it from cancelled only; from elsewhere its UserError dead-letters the record.
  OPEN: { method: 'action_draft', doneIn: ['draft', 'sent'] },
};
