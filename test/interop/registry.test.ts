/**
 * A real registry (Debian docker-registry 2.8, filesystem storage in a temp
 * dir, 127.0.0.1 at a free port, no auth): `skopeo copy` pushes an OCI
 * layout written by hand (config + one layer + manifest); our registry client
 * must see the digest skopeo pushed, by tag and by digest, HEAD and GET.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { RegistryClient } from '../../src/trust/registry/client.js';
import { requireTools } from './harness/interop.js';
import { registryChecks, sha, startRegistry, writeOciLayout } from './harness/registry.js';

test('docker-registry + skopeo: the client confirms the digest skopeo pushed (tag and digest, HEAD and GET, OCI and Docker v2 formats)', async (t) => {
  if (!(await requireTools(t, registryChecks))) return;
  const registry = await startRegistry();
  const layout = join(registry.work, 'layout');
  const manifest = await writeOciLayout(layout);
  await registry.push(layout, 'v1', 'app:v1', { format: 'oci' });
  await registry.push(layout, 'v1', 'app:v2', { format: 'v2s2' });

  const client = new RegistryClient({ url: registry.url, allowHttp: true });
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
    const inspected = { Digest: await registry.inspectDigest('app:v2') };
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
