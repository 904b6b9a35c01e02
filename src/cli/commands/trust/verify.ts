import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addTrustOptions, type TrustFlags } from './source.js';

interface VerifyFlags extends TrustFlags {
  registry?: string;
  registryCa?: string;
  registryAuthFile?: string;
}

const REGISTRY_OPTIONS = [
  { flags: '--registry <url>', description: 'also confirm that this registry (https://…) serves the signed digest for the tag' },
  { flags: '--registry-ca <file>', description: 'CA certificates (PEM) for the registry’s TLS certificate' },
  { flags: '--registry-auth-file <file>', description: 'USER:PASSWORD for the registry’s token service; default $SWARMGUARD_REGISTRY_AUTH' },
];

/** The registry client for --registry, checked before any network use. */
async function registryClient(o: VerifyFlags) {
  if (o.registry === undefined) {
    if (o.registryCa !== undefined || o.registryAuthFile !== undefined) {
      const { TrustUsageError } = await import('../../../trust/errors.js');
      throw new TrustUsageError('ERR_TRUST_USAGE', '--registry-ca and --registry-auth-file need --registry URL');
    }
    return undefined;
  }
  const { readFileArg } = await import('../../context.js');
  const { readCredentials } = await import('./source.js');
  const { RegistryClient } = await import('../../../trust/registry/client.js');
  const { defaults } = await import('../../../defaults.js');
  const credentials = await readCredentials(o.registryAuthFile, defaults.trust.auth.registryEnvVar, 'the registry token credentials (--registry-auth-file)');
  let timeoutMs: number | undefined;
  if (o.timeout !== undefined && Number.isSafeInteger(Number(o.timeout)) && Number(o.timeout) > 0) timeoutMs = Number(o.timeout);
  return new RegistryClient({
    url: o.registry,
    ...(o.registryCa !== undefined ? { ca: readFileArg(o.registryCa, 'the registry CA (--registry-ca)') } : {}),
    ...(credentials ? { credentials } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/**
 * `swarmguard trust verify IMAGE[:TAG]` (online) or
 * `swarmguard trust verify --offline DIR --gun GUN --tag TAG`: print the
 * signed digest and its signers; with `--registry URL`, also confirm the
 * registry serves that digest for the tag. A refusal exits 1 with its code,
 * bad input 2, an unreachable server or registry 3.
 */
export function registerVerify(area: Command, ctx: () => CliContext): void {
  const cmd = area
    .command('verify')
    .description('which digest is signed for IMAGE:TAG, and by whom (Docker’s rule: targets/releases, then targets) — or refuse')
    .argument('[image]', 'image reference [REGISTRY/]REPOSITORY[:TAG] (gives the GUN and tag)')
    .option('--tag <tag>', 'tag to look up (default: from IMAGE, else latest)');
  addTrustOptions(cmd);
  for (const f of REGISTRY_OPTIONS) cmd.option(f.flags, f.description);
  cmd.action(async (image: string | undefined, o: VerifyFlags) => {
    const c = ctx();
    const { resolveTrustFlags } = await import('./source.js');
    const { verifyNotaryTag } = await import('../../../trust/notary/verify.js');
    const r = await resolveTrustFlags(image, o, c, true);
    let registry: import('../../../trust/registry/client.js').RegistryClient | undefined;
    let v;
    let confirmed: import('../../../trust/registry/confirm.js').RegistryConfirmation | undefined;
    try {
      registry = await registryClient(o);
      v = await verifyNotaryTag({ gun: r.gun, tag: r.tag, source: r.source, ...(r.pin ? { pin: r.pin } : {}), ...(r.store ? { store: r.store } : {}), clock: r.clock });
      if (registry) {
        const { confirmRegistryDigest } = await import('../../../trust/registry/confirm.js');
        const { parseImageRef } = await import('../../../trust/image-ref.js');
        const repository = (r.ref ?? parseImageRef(r.gun)).repository;
        confirmed = await confirmRegistryDigest(registry, { repository, tag: v.tag, signedDigest: v.digest, signedLength: v.length });
      }
    } finally {
      r.close();
      registry?.close();
    }
    const doc = {
      gun: v.gun,
      tag: v.tag,
      digest: v.digest,
      length: v.length,
      role: v.role,
      signers: v.signers,
      alsoSignedBy: v.alsoSignedBy,
      hashes: v.hashes,
      anchor: v.anchor,
      root: v.root,
      versions: v.versions,
      source: v.source,
      at: v.at,
      recorded: r.store !== undefined,
      warnings: v.warnings,
      ...(confirmed ? { registry: confirmed } : {}),
    };
    c.emit(doc, () => {
      const who = v.signers.map((s) => `${s.keyId.slice(0, 12)}…${s.name ? ` (${s.name})` : ''} ${s.keytype}`).join(', ');
      return [
        `${v.gun}:${v.tag} → ${v.digest} (${v.length} bytes)`,
        `  signed in ${v.role} by ${who || 'nobody'}${v.alsoSignedBy.length ? `; also signed by ${v.alsoSignedBy.join(', ')}` : ''}`,
        `  trust anchor: ${v.anchor}, root v${v.root.version}${v.root.chain.length > 1 ? ` (rotated ${v.root.chain.join(' → ')})` : ''}; ${Object.entries(v.versions)
          .map(([k, n]) => `${k} v${n}`)
          .join(', ')}`,
        ...(confirmed ? [`  registry ${confirmed.url} serves ${confirmed.repository}:${confirmed.tag} as ${confirmed.digest}${confirmed.mediaType ? ` (${confirmed.mediaType})` : ''}: matches`] : []),
        ...v.warnings.map((w) => `  warning: ${w}`),
      ].join('\n');
    });
  });
}
