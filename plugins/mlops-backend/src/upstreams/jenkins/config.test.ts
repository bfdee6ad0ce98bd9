import { ConfigReader } from '@backstage/config';
import { readJenkinsConfig } from './config';

const read = (data: ConstructorParameters<typeof ConfigReader>[0]) =>
  readJenkinsConfig(new ConfigReader(data));

function problems(
  data: ConstructorParameters<typeof ConfigReader>[0],
): string[] {
  try {
    read(data);
  } catch (e) {
    return (e as Error).message.split('\n');
  }
  throw new Error('expected the config to be refused');
}

describe('readJenkinsConfig', () => {
  it('reads the community plugin keys: instances[] plus the legacy top-level instance named default', () => {
    const cfg = read({
      jenkins: {
        baseUrl: 'https://jenkins.example/ci/',
        username: 'backstage',
        apiKey: '11aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        projectCountLimit: 100,
        instances: [
          {
            name: 'gpu',
            baseUrl: 'http://127.0.0.1:8080',
            username: 'bot',
            apiKey: 'pw-123',
            crumbIssuer: true,
          },
        ],
      },
    });
    expect(cfg.instances).toEqual([
      {
        name: 'default',
        baseUrl: 'https://jenkins.example/ci',
        host: 'jenkins.example',
        username: 'backstage',
        apiKey: '11aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        crumbIssuer: undefined,
      },
      {
        name: 'gpu',
        baseUrl: 'http://127.0.0.1:8080',
        host: '127.0.0.1:8080',
        username: 'bot',
        apiKey: 'pw-123',
        crumbIssuer: true,
      },
    ]);
    expect(cfg).toMatchObject({
      refreshSeconds: 30,
      timeoutMs: 10_000,
      concurrency: 4,
      maxBuilds: 20,
      maxBranches: 50,
    });
  });

  it('is valid without any jenkins key, and reads mlops.jenkins knobs', () => {
    expect(
      read({ mlops: { jenkins: { refreshSeconds: 5, maxBuilds: 100 } } }),
    ).toMatchObject({
      instances: [],
      refreshSeconds: 5,
      maxBuilds: 100,
    });
  });

  it('lists every problem with its config path in one error', () => {
    expect(
      problems({
        jenkins: {
          baseUrl: 'https://jenkins.example',
          instances: [
            { name: 'a', baseUrl: 'not a url', username: 'u', apiKey: 'k' },
            {
              name: 'b',
              baseUrl: 'https://u:p@jenkins.example',
              username: 'u',
              apiKey: 'k',
            },
            { name: 'c', baseUrl: 'https://jenkins.example' },
            {
              name: 'bad name',
              baseUrl: 'https://jenkins.example',
              username: 'u',
              apiKey: 'k',
            },
            {
              name: 'd',
              baseUrl: 'https://d.example',
              username: 'u',
              apiKey: 'k',
            },
            {
              name: 'd',
              baseUrl: 'https://d2.example',
              username: 'u',
              apiKey: 'k',
            },
          ],
        },
        mlops: { jenkins: { maxBuilds: 101 } },
      }),
    ).toEqual([
      'Invalid Jenkins configuration:',
      expect.stringMatching(/^ {2}mlops\.jenkins\.maxBuilds: /),
      '  jenkins: jenkins.username and jenkins.apiKey must be set next to jenkins.baseUrl',
      '  jenkins.instances[0].baseUrl: "not a url" is not a URL',
      '  jenkins.instances[1].baseUrl: must not contain credentials; use username and apiKey',
      expect.stringMatching(/^ {2}jenkins\.instances\[2\]\.username: /),
      expect.stringMatching(/^ {2}jenkins\.instances\[2\]\.apiKey: /),
      '  jenkins.instances[3].name: letters, digits, - _ . only (it is the prefix in jenkins.io/job-full-name)',
      '  jenkins.instances: duplicate name "d"',
    ]);
  });

  it('refuses a top-level instance next to an instance named default', () => {
    expect(
      problems({
        jenkins: {
          baseUrl: 'https://a.example',
          username: 'u',
          apiKey: 'k',
          instances: [
            {
              name: 'default',
              baseUrl: 'https://b.example',
              username: 'u',
              apiKey: 'k',
            },
          ],
        },
      }),
    ).toContain(
      '  jenkins: both jenkins.baseUrl and an instance named "default" are set; keep one of them',
    );
  });
});
