/**
 * The CI peers the template's last steps write to — a Jenkins simulator
 * (`mlops:jenkins:create-job`) and a Harbor API simulator
 * (`mlops:harbor:ensure-project`) from `@internal/simulators` — and the
 * scaffolder config that points the mlops actions at them.
 */
import {
  HarborSimulator,
  JenkinsSimulator,
  RecordedRequest,
  startHarborSimulator,
  startJenkinsSimulator,
} from '@internal/simulators';
import { JsonObject } from '@backstage/types';
import { REGISTRY_HOST } from './matrix';

/** The simulators' default administrator accounts. */
const JENKINS_USER = { username: 'admin', apiToken: '11simulatortoken' };
const HARBOR_ADMIN = { username: 'admin', password: 'Harbor12345' };

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CiPeers {
  jenkins: JenkinsSimulator;
  harbor: HarborSimulator;
  /** Every request either simulator received that could change something (not GET/HEAD/OPTIONS). */
  writes(): { peer: 'jenkins' | 'harbor'; method: string; path: string }[];
  /** Number of requests of any kind each simulator received so far. */
  requestCounts(): { jenkins: number; harbor: number };
  stop(): Promise<void>;
}

export async function startCiPeers(): Promise<CiPeers> {
  const [jenkins, harbor] = await Promise.all([
    startJenkinsSimulator(),
    startHarborSimulator(),
  ]);
  const writesOf = (peer: 'jenkins' | 'harbor', requests: RecordedRequest[]) =>
    requests
      .filter(r => !READ_METHODS.has(r.method))
      .map(r => ({ peer, method: r.method, path: r.path }));
  return {
    jenkins,
    harbor,
    writes: () => [
      ...writesOf('jenkins', jenkins.requests()),
      ...writesOf('harbor', harbor.requests()),
    ],
    requestCounts: () => ({
      jenkins: jenkins.requests().length,
      harbor: harbor.requests().length,
    }),
    stop: async () => {
      await Promise.all([jenkins.stop(), harbor.stop()]);
    },
  };
}

/**
 * The scaffolder's config: the registry the `validate` step accepts, and the
 * Jenkins and Harbor instances of the mlops actions (the simulators). The
 * Harbor instance is named after the registry host because the template
 * picks the instance by `registryHost` and the simulator's own host is
 * 127.0.0.1.
 */
export function scaffolderConfig(peers: CiPeers): JsonObject {
  return {
    mlops: {
      registries: [
        {
          name: 'harbor',
          host: REGISTRY_HOST,
          url: `https://${REGISTRY_HOST}`,
        },
      ],
      harbor: {
        instances: [
          {
            name: REGISTRY_HOST,
            url: peers.harbor.url,
            username: HARBOR_ADMIN.username,
            password: HARBOR_ADMIN.password,
          },
        ],
      },
    },
    jenkins: {
      instances: [
        {
          name: 'default',
          baseUrl: peers.jenkins.url,
          username: JENKINS_USER.username,
          apiKey: JENKINS_USER.apiToken,
        },
      ],
    },
  };
}

/** The text of the first `<tag>…</tag>` in a Jenkins config.xml, unescaped. */
export function configXmlText(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`)
    .exec(xml)?.[1]
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
