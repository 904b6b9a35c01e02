/**
 * Read and write snapshots as a directory: one `<endpoint>.json` per Engine
 * API answer (the same names a user gets from `curl --unix-socket ...`), plus
 * an optional `snapshot.json` manifest with the source, the time and the
 * reasons for unavailable endpoints. A plain directory of raw API answers is
 * therefore a valid snapshot too; missing files are unavailable facts.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/file-store.js';
import { defaults } from '../defaults.js';
import { validateHostFacts } from './host/schema.js';
import { parseHistory } from './history.js';
import { ENDPOINTS, SNAPSHOT_FORMAT, normalizeFacts, type Facts, type Fact, type Snapshot } from './snapshot.js';

/** The manager TLS probes (SW-05), next to the endpoint files. */
const TLS_FILE = 'tls.json';

interface Manifest {
  format: string;
  source?: string;
  collectedAt?: string;
  unavailable?: Record<string, string>;
}

async function readJson(file: string, code: 'ERR_AUDIT_SNAPSHOT_JSON'): Promise<unknown | undefined> {
  let text: string;
  try {
    const st = await stat(file);
    if (st.size > defaults.audit.maxSnapshotFileBytes) {
      throw new InputError('ERR_AUDIT_SNAPSHOT_READ', `${file} is ${st.size} bytes, larger than any Engine API answer (${defaults.audit.maxSnapshotFileBytes}); check the file`);
    }
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError('ERR_AUDIT_SNAPSHOT_READ', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'EIO'}); check the path and permissions`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(code, `${file} is not valid JSON (${(e as Error).message}); save the raw Engine API answer, or remove the file`, { cause: e, details: { file } });
  }
}

export async function loadSnapshot(dir: string): Promise<Snapshot> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('ENOTDIR');
  } catch (e) {
    throw new InputError('ERR_AUDIT_SNAPSHOT_READ', `snapshot ${dir} is not a directory; give the directory written by \`swarmguard audit snapshot\` or one holding info.json, swarm.json, ...`, { cause: e });
  }
  const manifest = (await readJson(path.join(dir, defaults.audit.snapshotManifest), 'ERR_AUDIT_SNAPSHOT_JSON')) as Manifest | undefined;
  if (manifest !== undefined && manifest.format !== SNAPSHOT_FORMAT) {
    throw new InputError('ERR_AUDIT_SNAPSHOT_FORMAT', `${path.join(dir, defaults.audit.snapshotManifest)} has format ${JSON.stringify(manifest.format)}; this swarmguard reads ${SNAPSHOT_FORMAT}`);
  }
  const facts: Record<string, Fact<unknown>> = {};
  let found = 0;
  for (const e of ENDPOINTS) {
    const file = path.join(dir, `${e.name}.json`);
    const data = await readJson(file, 'ERR_AUDIT_SNAPSHOT_JSON');
    if (data === undefined) facts[e.name] = { unavailable: manifest?.unavailable?.[e.name] ?? `${e.name}.json is not in the snapshot` };
    else {
      facts[e.name] = { data };
      found++;
    }
  }
  const hostFile = path.join(dir, defaults.audit.hostFactsFile);
  const host = await readJson(hostFile, 'ERR_AUDIT_SNAPSHOT_JSON');
  if (host !== undefined) {
    facts.host = { data: await validateHostFacts(host, hostFile) };
    found++;
  } else facts.host = { unavailable: manifest?.unavailable?.host ?? `${defaults.audit.hostFactsFile} is not in the snapshot (taken remotely or with --no-host)` };
  // SW-05 handshake facts (collect-tls.ts): optional, absent in raw API dumps.
  const tls = await readJson(path.join(dir, TLS_FILE), 'ERR_AUDIT_SNAPSHOT_JSON');
  if (tls !== undefined) facts.tls = { data: tls };
  else if (manifest?.unavailable?.tls) facts.tls = { unavailable: manifest.unavailable.tls };
  if (found === 0 && manifest === undefined) {
    throw new InputError('ERR_AUDIT_SNAPSHOT_READ', `${dir} holds none of ${ENDPOINTS.map((e) => `${e.name}.json`).join(', ')}; nothing to audit`);
  }
  const hfile = path.join(dir, defaults.audit.historyFile);
  const hdoc = await readJson(hfile, 'ERR_AUDIT_SNAPSHOT_JSON');
  facts.history = hdoc === undefined ? { unavailable: `the snapshot has no ${defaults.audit.historyFile} (rotation history)` } : { data: parseHistory(hdoc, hfile) };
  return {
    format: SNAPSHOT_FORMAT,
    source: manifest?.source ?? dir,
    ...(manifest?.collectedAt ? { collectedAt: manifest.collectedAt } : {}),
    facts: normalizeFacts(facts as unknown as Facts),
  };
}

/** Write a snapshot directory: private (0700) directory, 0600 files, each written atomically. */
export async function writeSnapshot(dir: string, snap: Snapshot): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  const unavailable: Record<string, string> = {};
  for (const e of ENDPOINTS) {
    const fact = snap.facts[e.name] as Fact<unknown>;
    if ('data' in fact) {
      const file = path.join(dir, `${e.name}.json`);
      await writeFileAtomic(file, JSON.stringify(fact.data, null, 2) + '\n', 0o600);
      written.push(file);
    } else unavailable[e.name] = fact.unavailable;
  }
  if (snap.facts.host && 'data' in snap.facts.host) {
    const file = path.join(dir, defaults.audit.hostFactsFile);
    await writeFileAtomic(file, JSON.stringify(snap.facts.host.data, null, 2) + '\n', 0o600);
    written.push(file);
  } else unavailable.host = snap.facts.host?.unavailable ?? 'no host facts were collected';
  if (snap.facts.history && 'data' in snap.facts.history) {
    const hf = path.join(dir, defaults.audit.historyFile);
    await writeFileAtomic(hf, JSON.stringify(snap.facts.history.data, null, 2) + '\n', 0o600);
    written.push(hf);
  }
  if (snap.facts.tls && 'data' in snap.facts.tls) {
    const file = path.join(dir, TLS_FILE);
    await writeFileAtomic(file, JSON.stringify(snap.facts.tls.data, null, 2) + '\n', 0o600);
    written.push(file);
  } else if (snap.facts.tls) unavailable.tls = snap.facts.tls.unavailable;
  const manifest: Manifest = { format: SNAPSHOT_FORMAT, source: snap.source, ...(snap.collectedAt ? { collectedAt: snap.collectedAt } : {}), unavailable };
  const mf = path.join(dir, defaults.audit.snapshotManifest);
  await writeFileAtomic(mf, JSON.stringify(manifest, null, 2) + '\n', 0o600);
  written.push(mf);
  return written;
}
