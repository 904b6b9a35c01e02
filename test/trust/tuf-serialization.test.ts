/**
 * python-tuf's serialization datasets (corpora python-tuf/serialization-datasets.json:
 * 25 datasets, 118 cases) through the parser our TUF path uses: our strict
 * JSON parser, our structural checks (src/trust/tuf/validate.ts), then
 * tuf-js's models (@tufjs/models). `invalid_*` must be refused with
 * ERR_TRUST_MALFORMED (as the verifier reports it); `valid_*` must parse and
 * serialise back to the same canonical JSON. The documented exceptions are
 * listed below and, word for word by case name, in docs/trust.md.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { Key, MetaFile, Metadata, MetadataKind, Root, Signature, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';
import { Delegations } from '@tufjs/models/dist/delegations.js';
import { DelegatedRole, Role, SuccinctRoles } from '@tufjs/models/dist/role.js';
import { canonicalJson, parseJson, type JsonObject, type JsonValue } from '../../src/trust/notary/json.js';
import { validateTufMetadata, validateTufPart, validateTufSigned } from '../../src/trust/tuf/validate.js';
import { mapTufError } from '../../src/trust/tuf/verify.js';
import { corporaDir, hasCorpora, NO_CORPORA, repoRoot } from '../helpers/env.js';

interface DataSet {
  test: string;
  parser: string;
  expect: 'ok' | 'error';
  raises: string | null;
  cases: Record<string, string>;
}

interface Parsed {
  /** What python-tuf's test compares after a round trip. */
  input: JsonValue;
  output: unknown;
}

type Obj = JsonObject & Record<string, never>;
const obj = (v: JsonValue): Obj => v as Obj;

/**
 * python-tuf class → our path. Each parser gets the dataset so the Key parser
 * can mirror python-tuf's two Key tests (valid: key ID "id"; invalid: the key
 * ID popped from the case, absent or not a string).
 */
const PARSERS: Record<string, (j: JsonValue, ds: DataSet) => Parsed> = {
  'Metadata.from_bytes': (j) => {
    validateTufMetadata(j, 'case');
    const type = (obj(j).signed as JsonObject | undefined)?._type as MetadataKind;
    return { input: j, output: Metadata.fromJSON(type as MetadataKind.Root, obj(j)).toJSON() };
  },
  'Signature.from_dict': (j) => ({ input: j, output: Signature.fromJSON(obj(j)).toJSON() }),
  'Root.from_dict': (j) => {
    validateTufSigned(j, 'root');
    return { input: j, output: Root.fromJSON(obj(j)).toJSON() };
  },
  'Timestamp.from_dict': (j) => {
    validateTufSigned(j, 'timestamp');
    return { input: j, output: Timestamp.fromJSON(obj(j)).toJSON() };
  },
  'Snapshot.from_dict': (j) => {
    validateTufSigned(j, 'snapshot');
    return { input: j, output: Snapshot.fromJSON(obj(j)).toJSON() };
  },
  'Targets.from_dict': (j) => {
    validateTufSigned(j, 'targets');
    return { input: j, output: Targets.fromJSON(obj(j)).toJSON() };
  },
  'Key.from_dict': (j, ds) => {
    const { keyid, ...rest } = obj(j) as JsonObject;
    const id: unknown = ds.expect === 'ok' ? 'id' : keyid;
    validateTufPart.key(id, rest);
    return { input: rest, output: Key.fromJSON(id as string, rest).toJSON() };
  },
  'Role.from_dict': (j) => ({ input: j, output: Role.fromJSON(obj(j)).toJSON() }),
  'MetaFile.from_dict': (j) => {
    validateTufPart.metaFile(j);
    return { input: j, output: MetaFile.fromJSON(obj(j)).toJSON() };
  },
  'TargetFile.from_dict': (j) => ({ input: j, output: TargetFile.fromJSON('file.txt', obj(j)).toJSON() }),
  'DelegatedRole.from_dict': (j) => {
    validateTufPart.delegatedRole(j);
    return { input: j, output: DelegatedRole.fromJSON(obj(j)).toJSON() };
  },
  'SuccinctRoles.from_dict': (j) => ({ input: j, output: SuccinctRoles.fromJSON(obj(j)).toJSON() }),
  'Delegations.from_dict': (j) => {
    validateTufPart.delegations(j);
    return { input: j, output: Delegations.fromJSON(obj(j)).toJSON() };
  },
};

/**
 * Where our path and python-tuf differ, and why that is right for a client.
 * Each entry asserts what we actually do, so a change in tuf-js shows up here.
 */
export const DOCUMENTED_EXCEPTIONS: Record<string, { reason: string; check: (run: () => Parsed) => void }> = {
  'valid_signatures/unrecognized fields': {
    reason: 'accepted, but tuf-js drops unknown fields of a signature object when serialising; signatures lie outside the signed bytes and a client never re-serialises them, so verification is unaffected',
    check: (run) => {
      const p = run();
      assert.deepEqual(p.output, { keyid: 'id', sig: 'b' });
    },
  },
  'valid_roots/no consistent_snapshot': {
    reason: 'refused (ERR_TRUST_MALFORMED): the TUF 1.0 specification lists consistent_snapshot as a required field of root; python-tuf tolerates its absence, tuf-js does not',
    check: (run) => assert.equal(codeOf(run), 'ERR_TRUST_MALFORMED'),
  },
};

/** Invalid cases refused with another code than ERR_TRUST_MALFORMED, on purpose. */
const EXPECTED_CODE: Record<string, string> = {
  // A key's signature twice would count one key twice towards a threshold: the attack-table code, as tough's duplicate-sigs.
  'invalid_metadata/non unique duplicating signatures': 'ERR_TRUST_THRESHOLD',
};

function codeOf(run: () => unknown): string {
  try {
    run();
    return 'OK';
  } catch (e) {
    return (mapTufError(e) as { code?: string }).code ?? `uncoded: ${String(e)}`;
  }
}

function load(): Record<string, DataSet> {
  return hasCorpora ? (JSON.parse(readFileSync(path.join(corporaDir, 'python-tuf', 'serialization-datasets.json'), 'utf8')) as Record<string, DataSet>) : {};
}

describe('python-tuf serialization datasets through our TUF parser', { skip: hasCorpora ? false : NO_CORPORA }, () => {
  const sets = load();
  const all = Object.entries(sets).flatMap(([name, ds]) => Object.keys(ds.cases).map((label) => `${name}/${label}`));

  test('the corpus is the one documented: 25 datasets, 118 cases, every parser mapped', () => {
    assert.equal(Object.keys(sets).length, 25);
    assert.equal(all.length, 118);
    for (const ds of Object.values(sets)) assert.ok(PARSERS[ds.parser], `no parser for ${ds.parser}`);
    for (const k of Object.keys(DOCUMENTED_EXCEPTIONS)) assert.ok(all.includes(k), `exception ${k} names no case`);
  });

  for (const [name, ds] of Object.entries(sets)) {
    describe(name, () => {
      for (const [label, text] of Object.entries(ds.cases)) {
        test(label, () => {
          const run = (): Parsed => PARSERS[ds.parser]!(parseJson(Buffer.from(text, 'utf8'), 'case'), ds);
          const exception = DOCUMENTED_EXCEPTIONS[`${name}/${label}`];
          if (exception) return exception.check(run);
          if (ds.expect === 'error') {
            assert.equal(codeOf(run), EXPECTED_CODE[`${name}/${label}`] ?? 'ERR_TRUST_MALFORMED', `${ds.parser} must refuse this (python-tuf raises ${ds.raises})`);
          } else {
            const p = run();
            assert.equal(canonicalJson(p.output as JsonValue).toString('utf8'), canonicalJson(p.input).toString('utf8'), 'round trip changed the document');
          }
        });
      }
    });
  }

  test('docs/trust.md lists every documented exception by case name', () => {
    const doc = readFileSync(path.join(repoRoot, 'docs', 'trust.md'), 'utf8');
    for (const k of Object.keys(DOCUMENTED_EXCEPTIONS)) assert.ok(doc.includes(`\`${k}\``), `docs/trust.md does not name ${k}`);
  });
});
