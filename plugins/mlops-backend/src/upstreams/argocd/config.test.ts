import { ConfigReader } from '@backstage/config';
import { readArgoCdConfig } from './config';

const read = (data: ConstructorParameters<typeof ConfigReader>[0]) =>
  readArgoCdConfig(new ConfigReader(data));

describe('readArgoCdConfig', () => {
  it("reads Roadie's appLocatorMethods, with the top-level username/password as default login", () => {
    const cfg = read({
      argocd: {
        username: 'backstage',
        password: 'top-secret-pw',
        waitCycles: 25,
        appLocatorMethods: [
          {
            type: 'config',
            instances: [
              {
                name: 'prod',
                url: 'https://argocd.prod.example/',
                token: 'tok-123456',
              },
              { name: 'dev', url: 'http://127.0.0.1:8080' },
              {
                name: 'stage',
                url: 'https://argocd.stage.example',
                username: 'me',
                password: 'my-pw-1234',
              },
            ],
          },
          { type: 'cluster' },
        ],
      },
    });
    expect(cfg.instances).toEqual([
      {
        name: 'prod',
        url: 'https://argocd.prod.example',
        host: 'argocd.prod.example',
        auth: { kind: 'token', token: 'tok-123456' },
      },
      {
        name: 'dev',
        url: 'http://127.0.0.1:8080',
        host: '127.0.0.1:8080',
        auth: {
          kind: 'login',
          username: 'backstage',
          password: 'top-secret-pw',
        },
      },
      {
        name: 'stage',
        url: 'https://argocd.stage.example',
        host: 'argocd.stage.example',
        auth: { kind: 'login', username: 'me', password: 'my-pw-1234' },
      },
    ]);
    expect(cfg).toMatchObject({
      refreshSeconds: 15,
      timeoutMs: 10_000,
      concurrency: 4,
      sessionMarginSeconds: 300,
      ignoredLocatorTypes: ['cluster'],
    });
  });

  it('is valid without any argocd key (no instances)', () => {
    expect(read({}).instances).toEqual([]);
  });

  it('reads mlops.argocd knobs', () => {
    expect(
      read({ mlops: { argocd: { refreshSeconds: 60, timeoutMs: 2000 } } }),
    ).toMatchObject({ refreshSeconds: 60, timeoutMs: 2000 });
  });

  it('lists every problem with its config path in one error', () => {
    let message = '';
    try {
      read({
        argocd: {
          appLocatorMethods: [
            {
              type: 'config',
              instances: [
                { name: 'a', url: 'not a url', token: 't' },
                {
                  name: 'b',
                  url: 'https://user:pw@argocd.example',
                  token: 't',
                },
                { name: 'c', url: 'https://argocd.example' },
                { name: 'd', url: 'ftp://argocd.example', token: 't' },
                { name: 'e', url: 'https://e.example', token: 't' },
                { name: 'e', url: 'https://e2.example', token: 't' },
              ],
            },
          ],
        },
        mlops: { argocd: { refreshSeconds: 0 } },
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'Invalid Argo CD configuration:',
      expect.stringMatching(/^ {2}mlops\.argocd\.refreshSeconds: /),
      '  argocd.appLocatorMethods[0].instances[0].url: "not a url" is not a URL',
      '  argocd.appLocatorMethods[0].instances[1].url: must not contain credentials; use token or username/password',
      '  argocd.appLocatorMethods[0].instances[2] (instance "c"): set token, or username and password (here or as argocd.username/argocd.password)',
      '  argocd.appLocatorMethods[0].instances[3].url: must be http:// or https://',
      '  argocd.appLocatorMethods: duplicate instance name "e"',
    ]);
  });
});
