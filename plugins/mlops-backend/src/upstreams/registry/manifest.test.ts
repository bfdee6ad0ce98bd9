import { MEDIA_TYPES, isAttestation, parseManifest } from './manifest';

const manifest = {
  schemaVersion: 2,
  config: {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: 'sha256:' + 'a'.repeat(64),
    size: 10,
  },
  layers: [{ digest: 'sha256:' + 'b'.repeat(64), size: 20 }],
};

describe('parseManifest', () => {
  it('trusts Content-Type over the optional OCI mediaType field', () => {
    const parsed = parseManifest(
      MEDIA_TYPES.ociManifest,
      Buffer.from(JSON.stringify(manifest)),
    );
    expect(parsed).toMatchObject({
      kind: 'image',
      mediaType: MEDIA_TYPES.ociManifest,
    });
  });

  it('falls back to the body mediaType and then to the shape', () => {
    const docker = { ...manifest, mediaType: MEDIA_TYPES.dockerManifest };
    expect(
      parseManifest('application/json', Buffer.from(JSON.stringify(docker))),
    ).toMatchObject({
      mediaType: MEDIA_TYPES.dockerManifest,
    });
    expect(
      parseManifest(
        undefined,
        Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] })),
      ),
    ).toMatchObject({
      kind: 'index',
      mediaType: MEDIA_TYPES.ociIndex,
    });
  });

  it('explains what is wrong with unreadable manifests', () => {
    expect(
      parseManifest(MEDIA_TYPES.ociManifest, Buffer.from('{not json')),
    ).toEqual({
      error: 'manifest is not valid JSON',
    });
    const bad = parseManifest(
      MEDIA_TYPES.ociManifest,
      Buffer.from(JSON.stringify({ schemaVersion: 2, layers: 'x' })),
    );
    expect('error' in bad && bad.error).toMatch(
      /invalid application\/vnd.oci.image.manifest.v1\+json: config/,
    );
    expect(
      parseManifest(
        'application/vnd.docker.distribution.manifest.v1+prettyjws',
        Buffer.from('{"schemaVersion":1}'),
      ),
    ).toEqual({
      error:
        'registry returned a Docker schema 1 manifest, which is not supported',
    });
    expect(
      parseManifest(
        'application/vnd.cncf.helm.config.v1+json',
        Buffer.from('{"schemaVersion":2}'),
      ),
    ).toEqual({
      error:
        'unsupported manifest media type application/vnd.cncf.helm.config.v1+json',
    });
  });

  it('recognizes BuildKit attestation entries', () => {
    expect(
      isAttestation({
        digest: 'sha256:' + 'c'.repeat(64),
        size: 1,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
      }),
    ).toBe(true);
    expect(
      isAttestation({
        digest: 'sha256:' + 'c'.repeat(64),
        size: 1,
        platform: { os: 'linux', architecture: 'arm64' },
      }),
    ).toBe(false);
  });
});
