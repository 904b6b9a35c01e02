/**
 * Every refusal of the sign API goes through `toFailure`: one table maps our
 * error codes to cfssl's numbering and an HTTP status.
 *
 * cfssl numbering (cloudflare/cfssl errors package): category × 1000 + reason.
 * Categories: 1 certificate, 2 private key, 5 policy, 9 CSR. Reasons: 1 read,
 * 2 decode, 3 parse, 300 (CSR) key mismatch / bad request, 300 (policy)
 * invalid request, 400 (policy) unknown profile. Errors cfssl raises as plain
 * HTTP errors (unparsable JSON, missing parameter, wrong method) carry the
 * HTTP status as their code. cfssl answers every refusal with HTTP 400; so do we,
 * except for transport-level refusals (404, 405, 408, 413, 403) and our own
 * faults (500), which SwarmKit treats as recoverable and retries (spec 5.3).
 */
import { isSwarmguardError } from '../../errors.js';

export interface CfsslFailure {
  status: number;
  code: number;
  message: string;
}

interface Row {
  status: number;
  code: number;
  /** cfssl's own wording for the code; our detail follows after ": ". */
  text: string;
}

const BAD_JSON: Row = { status: 400, code: 400, text: 'Unable to parse sign request' };
const CSR_DECODE: Row = { status: 400, code: 9002, text: 'CSR Decode failed' };
const CSR_PARSE: Row = { status: 400, code: 9003, text: 'CSR Parsing failed' };
const CSR_BAD: Row = { status: 400, code: 9300, text: 'CSR Bad request' };
const KEY_ALGORITHM: Row = { status: 400, code: 2200, text: 'Private key algorithm is not RSA or ECC' };
const POLICY: Row = { status: 400, code: 5300, text: 'Policy violation request' };
const PROFILE: Row = { status: 400, code: 5400, text: 'Unknown policy profile' };

/** Our error code → cfssl row. One row per failure; unknown codes of bad input fall back to POLICY. */
const TABLE: Readonly<Record<string, Row>> = {
  ERR_CFSSL_JSON: BAD_JSON,
  ERR_CFSSL_FIELD: BAD_JSON,
  ERR_CFSSL_CSR_MISSING: { status: 400, code: 400, text: "missing parameter 'certificate_request'" },
  ERR_CFSSL_PROFILE: PROFILE,
  ERR_CFSSL_SUBJECT: POLICY,
  ERR_CFSSL_HOSTS: POLICY,
  ERR_CFSSL_CLUSTER: POLICY,
  ERR_CFSSL_CROSS_SIGN: POLICY,
  ERR_CFSSL_METHOD: { status: 405, code: 405, text: 'Method is not allowed' },
  ERR_CFSSL_NOT_FOUND: { status: 404, code: 404, text: 'Not found' },
  ERR_CFSSL_TOO_LARGE: { status: 413, code: 413, text: 'Request body too large' },
  ERR_CFSSL_TIMEOUT: { status: 408, code: 408, text: 'Request timeout' },
  ERR_CFSSL_CLIENT: { status: 403, code: 403, text: 'Client not allowed' },
  ERR_CFSSL_BAD_HTTP: { status: 400, code: 400, text: 'Bad request' },
  ERR_PEM_MALFORMED: CSR_DECODE,
  ERR_PEM_NO_BLOCK: CSR_DECODE,
  ERR_PEM_TOO_MANY: CSR_DECODE,
  ERR_CSR_MALFORMED: CSR_PARSE,
  ERR_DER_MALFORMED: CSR_PARSE,
  ERR_CSR_TOO_LARGE: CSR_PARSE,
  ERR_CSR_KEY: CSR_PARSE,
  ERR_CSR_SIGNATURE: CSR_BAD,
  ERR_CSR_ALGORITHM: CSR_BAD,
  ERR_KEY_UNSUPPORTED: KEY_ALGORITHM,
  ERR_KEY_WEAK: POLICY,
  ERR_CA_REQUEST_INVALID: POLICY,
  ERR_CA_NODE_REVOKED: POLICY,
  ERR_CA_EXPIRY_TOO_SHORT: POLICY,
  ERR_CA_PROFILE_UNKNOWN: PROFILE,
};

const INTERNAL: CfsslFailure = { status: 500, code: 500, message: 'Internal error: the CA could not issue the certificate; see the server log' };

/**
 * Map anything thrown while handling a request to the failure sent back.
 * Our own input errors carry their message (it says what to fix); anything
 * else is an internal fault whose detail stays in the server log.
 */
export function toFailure(e: unknown): CfsslFailure {
  if (isSwarmguardError(e) && (e.kind === 'input' || e.kind === 'usage' || e.kind === 'verification')) {
    const row = TABLE[e.code] ?? POLICY;
    return { status: row.status, code: row.code, message: `${row.text}: ${e.message}` };
  }
  return INTERNAL;
}

/** The row for one of the server's own refusals (method, path, size, timeout). */
export function failure(code: keyof typeof TABLE, detail: string): CfsslFailure {
  const row = TABLE[code]!;
  return { status: row.status, code: row.code, message: detail ? `${row.text}: ${detail}` : row.text };
}

/** True for failures the server caused itself (logged with detail on the server side). */
export const isInternal = (f: CfsslFailure): boolean => f === INTERNAL;
