import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { readMlopsConfig } from '../config';
import { resolveImageReference } from './imageReference';

const config = readMlopsConfig(
  new ConfigReader({
    mlops: {
      registries: [
        { name: 'local', url: 'http://127.0.0.1:5000' },
        { name: 'harbor', url: 'https://harbor.ml.internal', type: 'harbor' },
      ],
    },
  }),
);

const entity = (annotations: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'svc', annotations },
  spec: { type: 'model-service' },
});

describe('resolveImageReference', () => {
  it('matches the host in the annotation against configured registries', () => {
    expect(
      resolveImageReference(
        entity({ 'mlops.io/image-repository': 'harbor.ml.internal/ml/fraud' }),
        config.registries,
      ),
    ).toMatchObject({
      ok: true,
      registry: { name: 'harbor' },
      repository: 'ml/fraud',
    });
    expect(
      resolveImageReference(
        entity({ 'mlops.io/image-repository': '127.0.0.1:5000/a/b/c' }),
        config.registries,
      ),
    ).toMatchObject({
      ok: true,
      registry: { name: 'local' },
      repository: 'a/b/c',
    });
  });

  it('uses the first registry when no host is given', () => {
    expect(
      resolveImageReference(
        entity({ 'mlops.io/image-repository': 'ml/app' }),
        config.registries,
      ),
    ).toMatchObject({
      ok: true,
      registry: { name: 'local' },
    });
  });

  it('refuses hosts that are not configured, naming the configured ones', () => {
    const r = resolveImageReference(
      entity({ 'mlops.io/image-repository': 'evil.example.com/ml/app' }),
      config.registries,
    );
    expect(r).toMatchObject({ ok: false, fault: 'not-allowed' });
    expect(!r.ok && r.message).toContain(
      'registry host "evil.example.com" is not configured',
    );
    expect(!r.ok && r.message).toContain('127.0.0.1:5000, harbor.ml.internal');
  });

  it.each([
    ['http://127.0.0.1:5000/ml/app', /without scheme/],
    ['user:pw@127.0.0.1:5000/ml/app', /without scheme, credentials/],
    ['ml/app:latest', /names a tag/],
    ['ML/App', /not a valid repository name/],
    ['ml//app', /not a valid repository name/],
    ['ml/app name', /without scheme/],
  ])('rejects the malformed annotation %s', (value, message) => {
    const r = resolveImageReference(
      entity({ 'mlops.io/image-repository': value }),
      config.registries,
    );
    expect(r).toMatchObject({ ok: false, fault: 'bad-annotation' });
    expect(!r.ok && r.message).toMatch(message);
  });

  it('reads Harbor slugs, with or without host, first entry of a list', () => {
    expect(
      resolveImageReference(
        entity({ 'goharbor.io/repository-slug': 'ml/fraud, ml/other' }),
        config.registries,
      ),
    ).toMatchObject({
      ok: true,
      registry: { name: 'harbor' },
      repository: 'ml/fraud',
      annotation: 'goharbor.io/repository-slug',
    });
    expect(
      resolveImageReference(
        entity({ 'goharbor.io/repository-slug': '127.0.0.1:5000/ml/fraud' }),
        config.registries,
      ),
    ).toMatchObject({
      ok: true,
      registry: { name: 'local' },
    });
  });

  it('says when no registry is configured', () => {
    expect(
      resolveImageReference(
        entity({ 'mlops.io/image-repository': 'ml/app' }),
        [],
      ),
    ).toMatchObject({
      ok: false,
      fault: 'not-configured',
    });
  });
});

describe('readMlopsConfig', () => {
  it('lists every problem with its path', () => {
    expect(() =>
      readMlopsConfig(
        new ConfigReader({
          mlops: {
            registries: [
              { name: 'a', url: 'ftp://x' },
              { name: 'a', url: 'http://u:p@127.0.0.1:1' },
            ],
          },
        }),
      ),
    ).toThrow(
      /mlops\.registries\.0\.url: must be http:\/\/ or https:\/\/[\s\S]*mlops\.registries\.1\.url: must not contain credentials/,
    );
  });

  it('rejects duplicate names and hosts', () => {
    expect(() =>
      readMlopsConfig(
        new ConfigReader({
          mlops: {
            registries: [
              { name: 'a', url: 'http://127.0.0.1:1' },
              { name: 'a', url: 'http://127.0.0.1:1' },
            ],
          },
        }),
      ),
    ).toThrow(/duplicate name "a"[\s\S]*host "127.0.0.1:1" is used by both/);
  });

  it('accepts no mlops config at all', () => {
    expect(readMlopsConfig(new ConfigReader({}))).toEqual({
      registries: [],
      images: { maxTagsShown: 10 },
    });
  });
});
