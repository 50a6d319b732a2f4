/**
 * CBV values come as bare words (`shipping`), Web URIs (`https://ref.gs1.org/cbv/BizStep-shipping`), CURIEs
 * (`cbv:BizStep-shipping`, `gs1:…`) or EPCIS 1.x URNs (`urn:epcglobal:cbv:bizstep:shipping`). All become the bare
 * word; a value that is none of these (a private vocabulary URI) is kept as given.
 */
const WEB_OR_CURIE = /^(?:https?:\/\/ref\.gs1\.org\/cbv\/|cbv:|gs1:)(?:BizStep|Disp|BTT|SDT|ER)-(.+)$/;
const URN = /^urn:epcglobal:cbv:(?:bizstep|disp|btt|sdt|er):(.+)$/;

export function cbvWord(value: string): string {
  return WEB_OR_CURIE.exec(value)?.[1] ?? URN.exec(value)?.[1] ?? value;
}
