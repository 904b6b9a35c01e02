/**
 * The JSON Schema of host.json in a snapshot directory, and its check: every
 * bad field at once, each with its JSON path, naming the file.
 */
import { InputError } from '../../errors.js';
import { FILE_ROLES, type HostFacts } from './types.js';

const fileFact = {
  type: 'object',
  required: ['path', 'exists'],
  properties: {
    path: { type: 'string' },
    exists: { type: 'boolean' },
    type: { enum: ['file', 'directory', 'socket', 'symlink', 'other'] },
    mode: { type: 'integer', minimum: 0, maximum: 0o7777 },
    uid: { type: 'integer', minimum: 0 },
    gid: { type: 'integer', minimum: 0 },
    user: { type: 'string' },
    group: { type: 'string' },
    linkTarget: { type: 'string' },
    error: { type: 'string' },
  },
} as const;
const unavailable = { type: 'object', required: ['unavailable'], properties: { unavailable: { type: 'string' } } } as const;
const iso = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T' } as const;

export const HOST_FACTS_SCHEMA = {
  type: 'object',
  required: ['format', 'daemon', 'settings', 'files', 'listening', 'swarm'],
  properties: {
    format: { const: 'swarmguard-host-facts/1' },
    daemon: {
      anyOf: [
        { type: 'object', required: ['pid', 'foundBy', 'argv'], properties: { pid: { type: 'integer', minimum: 1 }, foundBy: { type: 'string' }, argv: { type: 'array', items: { type: 'string' } } } },
        unavailable,
      ],
    },
    flags: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    unrecognizedFlags: { type: 'array', items: { type: 'string' } },
    configFile: { type: 'object', required: ['path', 'loaded'], properties: { path: { type: 'string' }, file: fileFact, loaded: { type: 'boolean' }, error: { type: 'string' } } },
    unknownConfigKeys: { type: 'array', items: { type: 'string' } },
    settings: {
      type: 'object',
      additionalProperties: { type: 'object', required: ['value', 'source'], properties: { source: { enum: ['flag', 'config-file', 'default', 'override'] }, from: { type: 'string' } } },
    },
    conflicts: { type: 'array', items: { type: 'string' } },
    files: { type: 'object', additionalProperties: false, properties: Object.fromEntries(FILE_ROLES.map((r) => [r, { type: 'array', items: fileFact }])) },
    listening: {
      anyOf: [
        {
          type: 'array',
          items: {
            type: 'object',
            required: ['proto', 'address', 'port', 'daemon'],
            properties: { proto: { enum: ['tcp', 'tcp6', 'udp', 'udp6'] }, address: { type: 'string' }, port: { type: 'integer', minimum: 0, maximum: 65535 }, inode: { type: 'integer' }, daemon: { type: 'boolean' } },
          },
        },
        unavailable,
      ],
    },
    swarm: {
      type: 'object',
      required: ['dataRoot', 'execRoot', 'dir', 'controlSock'],
      properties: {
        dataRoot: { type: 'string' },
        execRoot: { type: 'string' },
        dir: fileFact,
        controlSock: fileFact,
        nodeCert: {
          anyOf: [
            { type: 'object', required: ['path', 'notBefore', 'notAfter', 'subject'], properties: { path: { type: 'string' }, notBefore: iso, notAfter: iso, subject: { type: 'object' }, issuer: { type: 'string' } } },
            { type: 'object', required: ['path', 'unavailable'] },
          ],
        },
        nodeKey: {
          anyOf: [
            {
              type: 'object',
              required: ['path', 'file', 'pemType', 'encrypted', 'headers'],
              properties: { file: fileFact, pemType: { type: 'string' }, encrypted: { type: 'boolean' }, kekVersion: { type: 'string' }, headers: { type: 'array', items: { type: 'string' } }, raftDekAlgorithm: { type: 'integer' } },
            },
            { type: 'object', required: ['path', 'unavailable'] },
          ],
        },
      },
    },
  },
} as const;

type Validator = ((d: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };
let validator: Promise<Validator> | undefined;

export async function validateHostFacts(doc: unknown, file: string): Promise<HostFacts> {
  validator ??= (async () => {
    const { default: Ajv } = await import('ajv');
    const ajv = new (Ajv as unknown as new (o: object) => { compile(s: object): Validator })({ allErrors: true, strict: false });
    return ajv.compile(HOST_FACTS_SCHEMA);
  })();
  const v = await validator;
  if (!v(doc)) {
    const problems = [...new Set((v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`))];
    throw new InputError('ERR_AUDIT_SNAPSHOT_HOST', `${file}: ${problems.join('; ')}; write it with \`swarmguard audit snapshot\` or fix these fields`, { details: { file, problems } });
  }
  return doc as HostFacts;
}
