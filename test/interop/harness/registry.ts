/**
 * A real OCI registry for interop tests (Debian docker-registry 2.8,
 * filesystem storage in a temp dir, 127.0.0.1 at a free port, plain HTTP or
 * TLS with a given certificate, no auth) and skopeo pushing OCI layouts
 * written by hand (config + one layer + manifest, optionally an index).
 *
 * Stopped by PID through the process harness. Importing this module has no side effects.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { binaryCheck, findBinary, type ToolCheck } from './interop.js';
import { freePort, makeTempDir, runChecked, startProcess, type CommandResult } from './process.js';

export const registryChecks: Readonly<Record<string, ToolCheck>> = Object.freeze({
  'docker-registry': binaryCheck('docker-registry', 'docker-registry'),
  skopeo: binaryCheck('skopeo', 'skopeo'),
});

export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * A one-layer OCI image layout: oci-layout, index.json (ref name `ref`), blobs.
 * `text` goes into the layer, so two texts give two manifests. With
 * `index: true` the ref names an image index holding the manifest (linux/amd64).
 * Returns the bytes the ref points at (manifest or index).
 */
export async function writeOciLayout(dir: string, o: { ref?: string; text?: string; index?: boolean } = {}): Promise<Buffer> {
  const ref = o.ref ?? 'v1';
  // A tar with one file, written by hand: 512-byte header + content padded + two zero blocks.
  const content = Buffer.from(o.text ?? 'hello from swarmguard\n');
  const h = Buffer.alloc(512);
  h.write('hello.txt', 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.fill(' ', 148, 156);
  h.write('0', 156);
  h.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const tar = Buffer.concat([h, content, Buffer.alloc(512 - content.length), Buffer.alloc(1024)]);
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${sha(tar)}`] } }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha(layer)}`, size: layer.length }],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha(manifest)}`, size: manifest.length, platform: { architecture: 'amd64', os: 'linux' } }],
    }),
  );
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of [layer, config, manifest, ...(o.index ? [index] : [])]) await writeFile(join(dir, 'blobs', 'sha256', sha(b)), b);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const top = o.index ? index : manifest;
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: o.index ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${sha(top)}`,
          size: top.length,
          annotations: { 'org.opencontainers.image.ref.name': ref },
        },
      ],
    }),
  );
  return top;
}

function answers(port: number, ca?: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const opts = { host: '127.0.0.1', port, path: '/v2/', timeout: 2_000 };
    const req = ca ? https.get({ ...opts, ca }, done) : http.get(opts, done);
    function done(res: http.IncomingMessage): void {
      res.resume();
      // 401: up, with token auth
      resolve(res.statusCode === 200 || res.statusCode === 401);
    }
    req.once('error', () => resolve(false));
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

export interface Registry {
  /** http://127.0.0.1:PORT or https://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, for image references. */
  host: string;
  work: string;
  /** `skopeo copy` an OCI layout ref to REPO:TAG on this registry (TLS not verified: loopback, our own CA). */
  push(layout: string, ref: string, repoTag: string, o?: { format?: 'oci' | 'v2s2'; all?: boolean; creds?: string }): Promise<CommandResult>;
  /** `skopeo inspect`'s digest for REPO:TAG. */
  inspectDigest(repoTag: string): Promise<string>;
}

/** distribution's token auth for the registry (the same access controller notary-server uses). */
export interface RegistryTokenAuth {
  realm: string;
  service: string;
  issuer: string;
  rootCertBundle: string;
}

/**
 * docker-registry on 127.0.0.1 at a free port; TLS with `tls.cert`/`tls.key`
 * (PEM files) when given; token auth when `auth` is given (then `push` needs
 * `creds`, USER:PASSWORD, passed to skopeo).
 */
export async function startRegistry(o: { tls?: { cert: string; key: string; ca: Buffer }; auth?: RegistryTokenAuth } = {}): Promise<Registry> {
  const work = await makeTempDir('sgr-');
  const port = await freePort('127.0.0.1');
  const config = join(work, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(work, 'storage')}`,
      '  delete:',
      '    enabled: false',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      ...(o.tls ? ['  tls:', `    certificate: ${o.tls.cert}`, `    key: ${o.tls.key}`] : []),
      ...(o.auth
        ? ['auth:', '  token:', `    realm: ${o.auth.realm}`, `    service: ${o.auth.service}`, `    issuer: ${o.auth.issuer}`, `    rootcertbundle: ${o.auth.rootCertBundle}`, '    autoredirect: false']
        : []),
      '',
    ].join('\n'),
  );
  await startProcess({
    name: `docker-registry-${port}`,
    command: findBinary('docker-registry')!,
    args: ['serve', config],
    tmp: work,
    graceMs: 5_000,
    ready: { probe: () => answers(port, o.tls?.ca), timeoutMs: 20_000 },
  });
  const skopeo = findBinary('skopeo')!;
  const policy = join(work, 'policy.json');
  await writeFile(policy, '{"default":[{"type":"insecureAcceptAnything"}]}');
  const env = { ...process.env, HOME: work };
  const host = `127.0.0.1:${port}`;
  return {
    url: `${o.tls ? 'https' : 'http'}://${host}`,
    host,
    work,
    push: async (layout, ref, repoTag, p = {}) => {
      // Credentials through an auth file, not argv.
      const authfile = join(work, 'auth.json');
      if (p.creds) await writeFile(authfile, JSON.stringify({ auths: { [host]: { auth: Buffer.from(p.creds).toString('base64') } } }), { mode: 0o600 });
      return runChecked(skopeo, ['--policy', policy, 'copy', ...(p.all ? ['--all'] : []), ...(p.creds ? ['--dest-authfile', authfile] : []), '--format', p.format ?? 'oci', '--dest-tls-verify=false', `oci:${layout}:${ref}`, `docker://${host}/${repoTag}`], { env });
    },
    async inspectDigest(repoTag) {
      const r = await runChecked(skopeo, ['--policy', policy, 'inspect', '--tls-verify=false', `docker://${host}/${repoTag}`], { env });
      return (JSON.parse(r.stdout) as { Digest: string }).Digest;
    },
  };
}
