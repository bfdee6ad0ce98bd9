import { JenkinsInstanceConfig } from './config';
import { decodeItemName, jobPath, parseJobAnnotation } from './jobName';

const instance = (name: string): JenkinsInstanceConfig => ({
  name,
  baseUrl: `https://${name}.example`,
  host: `${name}.example`,
  username: 'u',
  apiKey: 'k',
});

describe('jenkins.io/job-full-name', () => {
  const two = [instance('default'), instance('gpu')];

  it('reads [instance:]folder/job, comma-separated, defaulting to the instance named default', () => {
    expect(
      parseJobAnnotation(
        'ml/fraud-detector, gpu:train/llm ,ml/fraud-detector',
        two,
      ),
    ).toEqual({
      ok: true,
      jobs: [
        {
          instance: 'default',
          fullName: 'ml/fraud-detector',
          segments: ['ml', 'fraud-detector'],
        },
        { instance: 'gpu', fullName: 'train/llm', segments: ['train', 'llm'] },
      ],
    });
  });

  it('uses the only instance when none is called default', () => {
    expect(parseJobAnnotation('app', [instance('ci')])).toMatchObject({
      ok: true,
      jobs: [{ instance: 'ci' }],
    });
    expect(parseJobAnnotation('app', [instance('a'), instance('b')])).toEqual({
      ok: false,
      fault: 'bad-annotation',
      message:
        'jenkins.io/job-full-name "app" names no instance and none is called "default"; write instance:app (configured: a, b)',
    });
  });

  it('refuses an instance that is not configured, naming the known ones (only configured Jenkins servers are contacted)', () => {
    expect(parseJobAnnotation('evil.example:job', two)).toEqual({
      ok: false,
      fault: 'bad-annotation',
      message:
        'jenkins.io/job-full-name "evil.example:job" names Jenkins instance "evil.example", which is not configured (configured: default, gpu)',
    });
    expect(parseJobAnnotation('http://169.254.169.254/job', two)).toMatchObject(
      { ok: false, fault: 'bad-annotation' },
    );
  });

  it.each([
    ['ml/../../script', 'has a ".." path element'],
    ['ml//x', 'has an empty path element'],
    ['/ml', 'has an empty path element'],
    ['ml/x?tree=*', 'contains a character Jenkins does not allow'],
    ['ml/x#frag', 'contains a character Jenkins does not allow'],
    ['ml/100%', 'has a % that is not an escape'],
    ['gpu:', 'has an empty path element'],
    [':job', 'has an empty instance name'],
  ])('refuses %s', (value, message) => {
    const result = parseJobAnnotation(value, two);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(message);
  });

  it('explains a missing annotation and a missing config', () => {
    expect(parseJobAnnotation(undefined, two)).toMatchObject({
      ok: false,
      fault: 'bad-annotation',
    });
    expect(parseJobAnnotation('x', [])).toMatchObject({
      ok: false,
      fault: 'not-configured',
    });
  });

  it('double-encodes multibranch children on the wire: item feature%2Fx is /job/feature%252Fx', () => {
    const parsed = parseJobAnnotation('ml/fraud/feature%2Fx', two);
    expect(parsed.ok && jobPath(parsed.jobs[0].segments)).toBe(
      '/job/ml/job/fraud/job/feature%252Fx',
    );
    expect(jobPath(['my folder', 'a+b'])).toBe('/job/my%20folder/job/a%2Bb');
    expect(decodeItemName('feature%2Fx')).toBe('feature/x');
    expect(decodeItemName('bad%zz')).toBe('bad%zz');
  });
});
