/**
 * A real registry (Debian docker-registry 2.8, filesystem storage in a temp
 * dir, 127.0.0.1 at a free port, no auth): `skopeo copy` pushes an OCI
 * layout written by hand (config + one layer + manifest); our registry client
 * must see the digest skopeo pushed, by tag and by digest, HEAD and GET.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { RegistryClient } from '../../src/trust/registry/client.js';
import { binaryCheck, findBinary, requireTools } from './harness/interop.js';
import { freePort, makeTempDir, runChecked, startProcess } from './harness/process.js';

const checks = Object.freeze({
  'docker-registry': binaryCheck('docker-registry', 'docker-registry'),
  skopeo: binaryCheck('skopeo', 'skopeo'),
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A one-layer OCI image layout: oci-layout, index.json (ref name v1), blobs. Returns the manifest bytes. */
async function writeOciLayout(dir: string): Promise<Buffer> {
  // A tar with one file, written by hand: 512-byte header + content padded + two zero blocks.
  const content = Buffer.from('hello from swarmguard\n');
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
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of [layer, config, manifest]) await writeFile(join(dir, 'blobs', 'sha256', sha(b)), b);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha(manifest)}`, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
    }),
  );
  return manifest;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v2/', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

test('docker-registry + skopeo: the client confirms the digest skopeo pushed (tag and digest, HEAD and GET, OCI and Docker v2 formats)', async (t) => {
  if (!(await requireTools(t, checks))) return;
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
      '',
    ].join('\n'),
  );
  await startProcess({
    name: `docker-registry-${port}`,
    command: findBinary('docker-registry')!,
    args: ['serve', config],
    tmp: work,
    graceMs: 5_000,
    ready: { probe: () => answers(port), timeoutMs: 20_000 },
  });
  const layout = join(work, 'layout');
  const manifest = await writeOciLayout(layout);
  const skopeo = findBinary('skopeo')!;
  const policy = join(work, 'policy.json');
  await writeFile(policy, '{"default":[{"type":"insecureAcceptAnything"}]}');
  const copy = (format: string, tag: string): Promise<unknown> =>
    runChecked(skopeo, ['--policy', policy, 'copy', '--format', format, '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://127.0.0.1:${port}/app:${tag}`], { env: { ...process.env, HOME: work } });
  await copy('oci', 'v1');
  await copy('v2s2', 'v2');

  const client = new RegistryClient({ url: `http://127.0.0.1:${port}`, allowHttp: true });
  try {
    // OCI format: skopeo pushes our manifest bytes unchanged, so the digest is ours.
    const ours = `sha256:${sha(manifest)}`;
    const head = await client.headManifest('app', 'v1');
    assert.equal(head.digest, ours);
    assert.equal(head.size, manifest.length);
    assert.equal(head.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const got = await client.getManifest('app', 'v1');
    assert.equal(got.digest, ours);
    assert.deepEqual(got.body, manifest);
    assert.equal((await client.getManifest('app', ours)).digest, ours);

    // Docker v2 schema 2: skopeo converts; what skopeo inspect reports is what we must see.
    const inspected = JSON.parse(
      (await runChecked(skopeo, ['--policy', policy, 'inspect', '--tls-verify=false', `docker://127.0.0.1:${port}/app:v2`], { env: { ...process.env, HOME: work } })).stdout,
    ) as { Digest: string };
    const v2 = await client.getManifest('app', 'v2');
    assert.equal(v2.digest, inspected.Digest);
    assert.notEqual(v2.digest, ours);
    assert.equal(v2.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal((await client.headManifest('app', 'v2')).digest, inspected.Digest);

    await assert.rejects(client.getManifest('app', 'nope'), (e: { code?: string }) => e.code === 'ERR_TRUST_NO_DATA');
    await assert.rejects(client.getManifest('app', `sha256:${'0'.repeat(64)}`), (e: { code?: string }) => e.code === 'ERR_TRUST_NO_DATA');
  } finally {
    client.close();
  }
});
