import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/**
 * Throwaway PEM certificates for a test's own TLS servers (a SASL_SSL Kafka listener, an HTTPS proxy): a CA, a
 * server certificate it signs for 127.0.0.1 and localhost, and client certificates for mutual TLS. Keys come from
 * node:crypto (native, fast), certificates from node-forge.
 */
export interface Pem {
  /** The certificate, PEM. */
  cert: string;
  /** Its private key, unencrypted PKCS#8 PEM (what Kafka's `ssl.keystore.type=PEM` takes). */
  key: string;
}

export interface TestCa extends Pem {
  /** A certificate for a server at 127.0.0.1 / localhost, signed by this CA. */
  server(): Pem;
  /** A client certificate (mutual TLS), signed by this CA; its subject is `CN=<commonName>`. */
  client(commonName: string): Pem;
}

function rsaKeys(): {
  key: string;
  forgeKeys: { privateKey: forge.pki.PrivateKey; publicKey: forge.pki.PublicKey };
} {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    key,
    forgeKeys: {
      privateKey: forge.pki.privateKeyFromPem(key),
      publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    },
  };
}

function certificate(
  commonName: string,
  publicKey: forge.pki.PublicKey,
  issuer: { subject: forge.pki.CertificateField[]; privateKey: forge.pki.PrivateKey } | undefined,
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive (leading 0 nibble), unique enough for throwaway certificates.
  cert.serialNumber = `0${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3_600_000);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(issuer?.subject ?? subject);
  cert.setExtensions(extensions);
  return cert;
}

/** PEM with \n line ends (forge writes \r\n, which java.util.Properties would read as a line end). */
const pemOf = (cert: forge.pki.Certificate) => forge.pki.certificateToPem(cert).replaceAll('\r\n', '\n');

/** A new self-signed CA (`CN=<name>`). */
export function testCa(name = 'eai test CA'): TestCa {
  const ca = rsaKeys();
  const caCert = certificate(name, ca.forgeKeys.publicKey, undefined, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  caCert.sign(ca.forgeKeys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const issuer = { subject: caCert.subject.attributes, privateKey: ca.forgeKeys.privateKey };
  const issue = (commonName: string, usage: 'server' | 'client'): Pem => {
    const leaf = rsaKeys();
    const cert = certificate(commonName, leaf.forgeKeys.publicKey, issuer, [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      usage === 'server'
        ? { name: 'extKeyUsage', serverAuth: true }
        : { name: 'extKeyUsage', clientAuth: true },
      ...(usage === 'server'
        ? [
            {
              name: 'subjectAltName',
              altNames: [
                { type: 7, ip: '127.0.0.1' },
                { type: 2, value: 'localhost' },
              ],
            },
          ]
        : []),
    ]);
    cert.sign(issuer.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    return { cert: pemOf(cert), key: leaf.key };
  };
  return {
    cert: pemOf(caCert),
    key: ca.key,
    server: () => issue('localhost', 'server'),
    client: (commonName) => issue(commonName, 'client'),
  };
}
