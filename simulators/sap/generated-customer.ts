/**
 * SAP customer master as a DEBMAS-like flat record: KNA1 general data plus the KNKK credit segment.
 * SAP character fields are fixed length and blank rather than null, so missing values are ''.
 */

import type { CopyMeta } from '../generator/copy-meta.ts';
import type { CopyView } from '../generator/drift.ts';
import { LOCALES } from '../generator/locales/index.ts';
import type { SystemRecord } from '../generator/model.ts';

const NAME_LENGTH = 35;
const PHONE_LENGTH = 16;

/** Cuts a name into NAME1 and NAME2 at a word boundary, as users do when it does not fit. */
export function splitName(name: string): { name1: string; name2: string; truncated: boolean } {
  if (name.length <= NAME_LENGTH) return { name1: name, name2: '', truncated: false };
  const cut = name.lastIndexOf(' ', NAME_LENGTH);
  const at = cut > 0 ? cut : NAME_LENGTH;
  return { name1: name.slice(0, at), name2: name.slice(at).trim().slice(0, NAME_LENGTH), truncated: true };
}

const sapDate = (date: Date) => date.toISOString().slice(0, 10).replace(/-/g, '');

export function toSap(view: CopyView, meta: CopyMeta): { record: SystemRecord; truncated: boolean } {
  const { entity } = view;
  const locale = LOCALES[entity.country];
  const fullName =
    entity.kind === 'organization'
      ? (view.orgName ?? '')
      : view.nameSwapped
        ? `${view.lastName} ${view.firstName}`
        : `${view.firstName} ${view.lastName}`;
  const { name1, name2, truncated } = splitName(fullName);
  const phone = view.phone ?? '';
  const salutation =
    entity.kind === 'organization' ? locale.salutations.company : locale.salutations[entity.gender];
  const { credit } = entity;
  return {
    truncated,
    record: {
      system: 'sap',
      type: 'DEBMAS',
      record: {
        KUNNR: meta.systemId,
        KTOKD: '0001',
        ANRED: salutation,
        NAME1: name1,
        NAME2: name2,
        SORTL: (name1.split(' ')[0] ?? '').toUpperCase().slice(0, 10),
        STRAS: (view.street ?? '').slice(0, NAME_LENGTH),
        PSTLZ: view.postalCode ?? '',
        ORT01: view.city.slice(0, NAME_LENGTH),
        REGIO: view.region ?? '',
        LAND1: entity.country,
        SPRAS: locale.sapLanguage,
        TELF1:
          phone.length > PHONE_LENGTH
            ? phone
                .replace('(0)', '')
                .replace(/[\s()]/g, '')
                .slice(0, PHONE_LENGTH)
            : phone,
        SMTP_ADDR: view.email ?? '',
        STCEG: view.vat ?? '',
        ERDAT: sapDate(meta.createdAt),
        // Credit segment (KNKK) for credit control area 1000, amounts in WAERS.
        KKBER: '1000',
        WAERS: credit.currency,
        KLIMK: credit.limit,
        SKFOR: credit.receivables,
        SAUFT: credit.openOrders,
        // Credit exposure as FD32 shows it: receivables plus open orders.
        OBLIG: Math.round((credit.receivables + credit.openOrders) * 100) / 100,
        // Customer-namespace fields: standard KNKK has no overdue amount of its own.
        ZZARREARS: credit.arrears,
        ZZARREARS_DAYS: credit.arrearsDays,
      },
    },
  };
}
