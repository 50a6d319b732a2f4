/** A postal address as Shopify writes it (billing_address, shipping_address), street lines gathered. */
export interface ShopifyAddress {
  $loc: string;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  /** address1, address2: the non-empty ones, in order. */
  lines: string[];
  city: string | null;
  province: string | null;
  provinceCode: string | null;
  zip: string | null;
  country: string | null;
  countryCode: string | null;
  phone: string | null;
}

export interface ShopifyCustomer {
  $loc: string;
  id: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
}

export interface ShopifyLineItem {
  $loc: string;
  id: string;
  variantId: string | null;
  productId: string | null;
  sku: string | null;
  title: string | null;
  variantTitle: string | null;
  name: string | null;
  vendor: string | null;
  /** Decimal strings: the digits Shopify sent. */
  quantity: string;
  price: string | null;
  /** price_set.presentment_money.amount: the price in the currency the customer paid in (presentment_currency). */
  pricePresentment: string | null;
  totalDiscount: string | null;
  fulfillmentStatus: string | null;
  requiresShipping: boolean | null;
  taxable: boolean | null;
  giftCard: boolean | null;
  grams: string | null;
  /** line_items[].properties: what the shop attached to the line, in order. */
  properties: ShopifyNameValue[];
  /**
   * line_items[].discount_allocations: each discount's share of the line, in the shop's currency (`amount`; Shopify
   * sends the line's `total_discount` as 0 for discounts allocated so, and recommends reading these instead).
   */
  discountAllocations: ShopifyAmount[];
  /** line_items[].tax_lines: the taxes on the line, in the shop's currency; part of `price` when `taxes_included`. */
  taxLines: ShopifyTaxLine[];
  /** line_items[].duties: the import duties on the line (cross-border orders), in order. */
  duties: ShopifyDuty[];
}

/**
 * A duty on a line item: its id (Shopify writes it as a string, "2"), the goods' harmonized system code and country
 * of origin, and its amount in the shop's (`shop_money`) and the presentment currency (its tax lines are skipped).
 */
export interface ShopifyDuty {
  $loc: string;
  id: string | null;
  harmonizedSystemCode: string | null;
  countryCodeOfOrigin: string | null;
  amount: string | null;
  amountPresentment: string | null;
}

/**
 * discount_applications[]: a discount as the order applied it (its line items' discount_allocations point at it by
 * position, discount_application_index). `value`: a decimal string, a percentage or an amount by `valueType`.
 */
export interface ShopifyDiscountApplication {
  $loc: string;
  /** discount_code, manual, script, automatic. */
  type: string | null;
  value: string | null;
  /** percentage, fixed_amount. */
  valueType: string | null;
  /** across, each, one. */
  allocationMethod: string | null;
  /** all, entitled, explicit. */
  targetSelection: string | null;
  /** line_item, shipping_line. */
  targetType: string | null;
  /** The code a discount_code application was given by; a manual, script or automatic one has a title. */
  code: string | null;
  title: string | null;
  description: string | null;
}

/** An amount of a list (a discount allocation), as Shopify wrote it, and in the presentment currency (amount_set). */
export interface ShopifyAmount {
  $loc: string;
  amount: string | null;
  amountPresentment: string | null;
}

export interface ShopifyTaxLine {
  $loc: string;
  title: string | null;
  price: string | null;
  /** price_set.presentment_money.amount. */
  pricePresentment: string | null;
}

/** A line item's quantity in a fulfillment (its line_items[]: the order's line item, by id, with the quantity shipped). */
export interface ShopifyLineQuantity {
  $loc: string;
  lineItemId: string;
  quantity: string;
}

/** fulfillments[]: one shipment of some of the order's items. */
export interface ShopifyFulfillment {
  $loc: string;
  id: string | null;
  /** `#1001.1`: the order's name and the fulfillment's number. */
  name: string | null;
  /** pending, open, success, cancelled, error, failure: only `success` went out. */
  status: string | null;
  /** The carrier's last word: label_printed, in_transit, out_for_delivery, delivered, failure, … */
  shipmentStatus: string | null;
  createdAt: string | null;
  trackingCompany: string | null;
  /** tracking_numbers, else tracking_number: the non-empty ones, in order. */
  trackingNumbers: string[];
  /** tracking_urls, else tracking_url: the non-empty ones, in order. */
  trackingUrls: string[];
  lineItems: ShopifyLineQuantity[];
}

/** refunds[]: money (and maybe items) given back. */
export interface ShopifyRefund {
  $loc: string;
  id: string | null;
  createdAt: string | null;
  processedAt: string | null;
  note: string | null;
  refundLineItems: ShopifyRefundLineItem[];
  transactions: ShopifyTransaction[];
  orderAdjustments: ShopifyOrderAdjustment[];
}

/**
 * A refund's order adjustment: money refunded beside the lines (kind shipping_refund: the shipping; refund_discrepancy:
 * what the refund differs from its lines' sum), negative as Shopify writes it, in the shop's currency.
 */
export interface ShopifyOrderAdjustment {
  $loc: string;
  id: string | null;
  kind: string | null;
  reason: string | null;
  amount: string | null;
  taxAmount: string | null;
  /** amount_set, tax_amount_set: the same in the presentment currency. */
  amountPresentment: string | null;
  taxAmountPresentment: string | null;
}

export interface ShopifyRefundLineItem {
  $loc: string;
  lineItemId: string;
  quantity: string;
  /** no_restock, cancel, return, legacy_restock. */
  restockType: string | null;
  /** The amount refunded for the line before tax, and its tax, in the shop's currency. */
  subtotal: string | null;
  totalTax: string | null;
  /** subtotal_set, total_tax_set: the same in the presentment currency. */
  subtotalPresentment: string | null;
  totalTaxPresentment: string | null;
}

/** A refund's transaction: the money that went back, in `currency` (the one the customer paid in). */
export interface ShopifyTransaction {
  $loc: string;
  id: string | null;
  kind: string | null;
  status: string | null;
  gateway: string | null;
  amount: string | null;
  currency: string | null;
}

/** A name / value pair: a note attribute of the order, or a property of a line item (engraving text, a gift note). */
export interface ShopifyNameValue {
  $loc: string;
  name: string;
  value: string | null;
}

export interface ShopifyShippingLine {
  $loc: string;
  id: string | null;
  title: string | null;
  code: string | null;
  price: string | null;
}

export interface ShopifyDiscountCode {
  $loc: string;
  code: string;
  amount: string | null;
  type: string | null;
}

export interface ShopifyOrderTree {
  $loc: string;
  /** Ids as their digits (Shopify's are 64-bit). */
  id: string;
  name: string | null;
  orderNumber: string | null;
  email: string | null;
  phone: string | null;
  /** ISO 8601 timestamps with the offset Shopify wrote (the shop's zone). */
  createdAt: string;
  updatedAt: string | null;
  processedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  closedAt: string | null;
  currency: string;
  presentmentCurrency: string | null;
  totalPrice: string | null;
  subtotalPrice: string | null;
  totalTax: string | null;
  totalDiscounts: string | null;
  totalLineItemsPrice: string | null;
  /** The `*_set.presentment_money.amount` of the totals: in the currency the customer paid in (presentmentCurrency). */
  totalPricePresentment: string | null;
  subtotalPricePresentment: string | null;
  totalTaxPresentment: string | null;
  totalDiscountsPresentment: string | null;
  totalShippingPricePresentment: string | null;
  /**
   * current_total_price, current_subtotal_price, current_total_tax, current_total_discounts: the totals as the order
   * stands now, after order edits and refunds (the plain totals stay what was first ordered), and their
   * `*_set.presentment_money.amount`. Null when not sent (orders of API versions before 2020-10).
   */
  currentTotalPrice: string | null;
  currentSubtotalPrice: string | null;
  currentTotalTax: string | null;
  currentTotalDiscounts: string | null;
  currentTotalPricePresentment: string | null;
  currentSubtotalPricePresentment: string | null;
  currentTotalTaxPresentment: string | null;
  currentTotalDiscountsPresentment: string | null;
  /**
   * original_total_duties_set, current_total_duties_set (null without duties): the import duties charged on the
   * order at first and now, in the shop's (`shop_money`) and the presentment currency.
   */
  originalTotalDuties: string | null;
  originalTotalDutiesPresentment: string | null;
  currentTotalDuties: string | null;
  currentTotalDutiesPresentment: string | null;
  taxesIncluded: boolean | null;
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  test: boolean | null;
  tags: string[];
  note: string | null;
  noteAttributes: ShopifyNameValue[];
  sourceName: string | null;
  poNumber: string | null;
  customer: ShopifyCustomer | null;
  billingAddress: ShopifyAddress | null;
  shippingAddress: ShopifyAddress | null;
  lineItems: ShopifyLineItem[];
  shippingLines: ShopifyShippingLine[];
  discountCodes: ShopifyDiscountCode[];
  fulfillments: ShopifyFulfillment[];
  refunds: ShopifyRefund[];
  discountApplications: ShopifyDiscountApplication[];
}
