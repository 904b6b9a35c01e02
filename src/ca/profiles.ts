/**
 * Certificate profiles are data (certs/*.json). Loading is parse, validate
 * (every bad field at once, ajv allErrors), normalize; the normalized form
 * carries the constant DER of every extension that does not vary per cert.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { bitString, bool, oid, octets, seq, smallInt } from '../core/der.js';
import { parseDuration } from '../core/duration.js';
import { OID } from '../core/oids.js';

export type SubjectAttr = 'C' | 'ST' | 'L' | 'O' | 'OU' | 'CN' | 'serialNumber';

/** A profile as written in certs/*.json. */
export interface ProfileInput {
  name: string;
  description: string;
  subject: 'request' | 'csr' | Array<[SubjectAttr, string]>;
  requiredSubject?: SubjectAttr[];
  sans: 'request' | string[];
  requireSans?: boolean;
  keyUsage: { critical: boolean; usages: KeyUsageName[] };
  extKeyUsage?: ExtKeyUsageName[];
  basicConstraints: { critical: boolean; ca: boolean; pathLen?: number };
  authorityKeyId?: boolean;
  validity: { expiry: string; backdate: string; minExpiry?: string; notAfterFrom?: 'now' | 'notBefore' };
}

export type KeyUsageName = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign';
export type ExtKeyUsageName = 'serverAuth' | 'clientAuth' | 'codeSigning' | 'emailProtection' | 'ocspSigning';

/** The normalized profile the issuer uses. */
export interface Profile {
  name: string;
  description: string;
  subject: ProfileInput['subject'];
  requiredSubject: SubjectAttr[];
  sans: ProfileInput['sans'];
  requireSans: boolean;
  isCA: boolean;
  authorityKeyId: boolean;
  expiryMs: number;
  backdateMs: number;
  minExpiryMs: number;
  notAfterFrom: 'now' | 'notBefore';
  keyUsage: KeyUsageName[];
  extKeyUsage: ExtKeyUsageName[];
  /** Constant extension DER in SwarmKit's order: KU, EKU, BC (SKI, AKI and SAN vary). */
  fixedExtensions: { keyUsage: Buffer; extKeyUsage: Buffer | undefined; basicConstraints: Buffer };
}

const KU_BIT: Record<KeyUsageName, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};
const EKU_OID: Record<ExtKeyUsageName, string> = {
  serverAuth: OID.serverAuth,
  clientAuth: OID.clientAuth,
  codeSigning: OID.codeSigning,
  emailProtection: OID.emailProtection,
  ocspSigning: OID.ocspSigning,
};

export function extension(oidText: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(oidText), bool(true), octets(value)) : seq(oid(oidText), octets(value));
}

/** KeyUsage BIT STRING with the minimal number of bytes and unused bits, as Go writes it. */
export function keyUsageValue(usages: KeyUsageName[]): Buffer {
  let bits = 0;
  for (const u of usages) bits |= 1 << KU_BIT[u];
  const highest = Math.max(...usages.map((u) => KU_BIT[u]));
  const nbytes = Math.floor(highest / 8) + 1;
  const bytes = Buffer.alloc(nbytes);
  for (let b = 0; b <= highest; b++) if (bits & (1 << b)) bytes[b >> 3]! |= 0x80 >> (b & 7);
  const unused = nbytes * 8 - 1 - highest;
  return bitString(bytes, unused);
}

export function basicConstraintsValue(ca: boolean, pathLen?: number): Buffer {
  if (!ca) return seq();
  return pathLen === undefined ? seq(bool(true)) : seq(bool(true), smallInt(pathLen));
}

export function normalizeProfile(p: ProfileInput): Profile {
  const where = `certificate profile ${p.name}`;
  const expiryMs = parseDuration(p.validity.expiry, `${where}: validity.expiry`);
  const backdateMs = parseDuration(p.validity.backdate, `${where}: validity.backdate`);
  const minExpiryMs = p.validity.minExpiry ? parseDuration(p.validity.minExpiry, `${where}: validity.minExpiry`) : 0;
  const eku = p.extKeyUsage ?? [];
  return {
    name: p.name,
    description: p.description,
    subject: p.subject,
    requiredSubject: p.requiredSubject ?? [],
    sans: p.sans,
    requireSans: p.requireSans ?? false,
    isCA: p.basicConstraints.ca,
    authorityKeyId: p.authorityKeyId ?? true,
    expiryMs,
    backdateMs,
    minExpiryMs,
    notAfterFrom: p.validity.notAfterFrom ?? 'now',
    keyUsage: p.keyUsage.usages,
    extKeyUsage: eku,
    fixedExtensions: {
      keyUsage: extension(OID.keyUsage, p.keyUsage.critical, keyUsageValue(p.keyUsage.usages)),
      extKeyUsage: eku.length ? extension(OID.extKeyUsage, false, seq(...eku.map((e) => oid(EKU_OID[e])))) : undefined,
      basicConstraints: extension(OID.basicConstraints, p.basicConstraints.critical, basicConstraintsValue(p.basicConstraints.ca, p.basicConstraints.pathLen)),
    },
  };
}

/** The directory holding the shipped profiles (certs/ at the package root). */
export function builtinProfileDir(): string {
  // dist/src/ca/profiles.js → package root
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'certs');
}

type Validator = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };
let validator: Validator | undefined;

async function getValidator(dir: string): Promise<Validator> {
  if (validator) return validator;
  const { default: Ajv } = await import('ajv');
  const schema = JSON.parse(readFileSync(path.join(dir, 'profile.schema.json'), 'utf8')) as object;
  const ajv = new (Ajv as unknown as new (o: object) => { compile(s: object): Validator })({ allErrors: true, strict: false });
  validator = ajv.compile(schema);
  return validator;
}

/** Validate one parsed profile document; every bad field is reported in one error. */
export async function validateProfile(doc: unknown, source: string, dir = builtinProfileDir()): Promise<Profile> {
  const validate = await getValidator(dir);
  if (!validate(doc)) {
    const fields = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    throw new InputError('ERR_PROFILE_INVALID', `${source}: ${[...new Set(fields)].join('; ')}; fix these fields`, { details: { fields } });
  }
  return normalizeProfile(doc as ProfileInput);
}

/** Load every profile in a directory (the shipped certs/ by default) into a name → profile map. */
export async function loadProfiles(dir = builtinProfileDir()): Promise<Map<string, Profile>> {
  const out = new Map<string, Profile>();
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'profile.schema.json').sort();
  for (const f of files) {
    const source = path.join(dir, f);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(source, 'utf8'));
    } catch (e) {
      throw new InputError('ERR_PROFILE_INVALID', `${source} is not valid JSON (${(e as Error).message}); fix the file`, { cause: e });
    }
    const p = await validateProfile(doc, source, builtinProfileDir());
    if (out.has(p.name)) throw new InputError('ERR_PROFILE_INVALID', `${source}: profile name ${p.name} is used twice; names must be unique`);
    out.set(p.name, p);
  }
  return out;
}
