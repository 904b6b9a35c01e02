/** Object identifiers used across the project: one table. */
export const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  rsassaPss: '1.2.840.113549.1.1.10',
  ed25519: '1.3.101.112',
  extensionRequest: '1.2.840.113549.1.9.14',
  // name attributes
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  province: '2.5.4.8',
  serialNumber: '2.5.4.5',
  // extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
} as const;

/** Signature algorithms we verify (CSRs) and the hash each uses. One row per algorithm. */
export const SIGNATURE_ALGORITHMS: Record<string, { hash: string; key: 'ec' | 'rsa' }> = {
  [OID.ecdsaWithSHA256]: { hash: 'sha256', key: 'ec' },
  [OID.ecdsaWithSHA384]: { hash: 'sha384', key: 'ec' },
  [OID.ecdsaWithSHA512]: { hash: 'sha512', key: 'ec' },
  [OID.sha256WithRSA]: { hash: 'sha256', key: 'rsa' },
  [OID.sha384WithRSA]: { hash: 'sha384', key: 'rsa' },
  [OID.sha512WithRSA]: { hash: 'sha512', key: 'rsa' },
};
