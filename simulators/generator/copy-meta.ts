/** What every system shaper receives besides the drifted copy: its id, its timestamps, cross-references. */
export interface CopyMeta {
  systemId: string;
  createdAt: Date;
  modifiedAt: Date;
  /** The customer's SAP number, where this system's users recorded it (a partial cross-reference). */
  sapCustomerNumber?: string;
}
