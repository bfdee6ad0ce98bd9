import { imageDrift, splitImage } from './images';

describe('splitImage', () => {
  it('splits name, tag and digest, and reads the deployed side of old=new:tag', () => {
    expect(splitImage('127.0.0.1:5000/ml/app:1.4.2')).toEqual({
      name: '127.0.0.1:5000/ml/app',
      tagOrDigest: '1.4.2',
    });
    expect(splitImage('127.0.0.1:5000/ml/app')).toEqual({
      name: '127.0.0.1:5000/ml/app',
    });
    expect(splitImage('ml/app@sha256:abc')).toEqual({
      name: 'ml/app',
      tagOrDigest: 'sha256:abc',
    });
    expect(splitImage('app=registry/ml/app:2.0')).toEqual({
      name: 'registry/ml/app',
      tagOrDigest: '2.0',
    });
    expect(splitImage(':1.4.3')).toEqual({ name: '', tagOrDigest: '1.4.3' });
  });
});

describe('imageDrift', () => {
  const running = [
    '127.0.0.1:5000/ml/fraud-detector:1.4.2',
    'docker.io/library/envoy:1.30',
  ];

  it('finds nothing when the application runs what GitOps asks for', () => {
    expect(imageDrift(running, ['ml/fraud-detector:1.4.2'])).toEqual([]);
    expect(imageDrift(running, [':1.4.2'])).toEqual([]);
    expect(
      imageDrift(running, [
        'fraud-detector=127.0.0.1:5000/ml/fraud-detector:1.4.2',
      ]),
    ).toEqual([]);
  });

  it('names the running image of the same name when the tag differs', () => {
    expect(
      imageDrift(running, ['127.0.0.1:5000/ml/fraud-detector:1.4.3']),
    ).toEqual([
      {
        desired: '127.0.0.1:5000/ml/fraud-detector:1.4.3',
        running: ['127.0.0.1:5000/ml/fraud-detector:1.4.2'],
      },
    ]);
  });

  it('reports a desired image that nothing runs', () => {
    expect(imageDrift(running, ['ml/feature-store:0.9'])).toEqual([
      { desired: 'ml/feature-store:0.9', running: [] },
    ]);
  });

  it('does not guess when nothing runs yet or a tag meets a digest', () => {
    expect(imageDrift([], ['ml/fraud-detector:1.4.3'])).toEqual([]);
    expect(
      imageDrift(['ml/fraud-detector@sha256:aa'], ['ml/fraud-detector:1.4.3']),
    ).toEqual([]);
    expect(imageDrift(running, ['ml/fraud-detector'])).toEqual([]);
  });
});
