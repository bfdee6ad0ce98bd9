import { ConfigReader } from '@backstage/config';
import { Dispatcher } from 'undici';
import { JenkinsClient } from '../JenkinsClient';
import { readJenkinsConfig } from '../config';

/** Test helpers: a Jenkins client configured for simulators. */

export const APP_REPO = 'https://git.example.test/ml/fraud-detector.git';
export const LIB_REPO = 'https://git.example.test/jenkins/pipeline-library.git';

/** A real-looking API token: `11` + 32 hex digits. */
export const API_TOKEN = '11f3c2a9d0e4b5a6c7d8e9f0011223344a';

export type TestInstance = {
  name: string;
  baseUrl: string;
  username: string;
  apiKey: string;
  crumbIssuer?: boolean;
};

export function jenkinsClient(
  instances: TestInstance[],
  options: {
    mlops?: Record<string, number>;
    now?: () => number;
    dispatcher?: Dispatcher;
  } = {},
): JenkinsClient {
  const config = readJenkinsConfig(
    new ConfigReader({
      jenkins: { instances },
      mlops: { jenkins: { timeoutMs: 5000, ...options.mlops } },
    }),
  );
  return JenkinsClient.create(config, {
    now: options.now,
    dispatcher: options.dispatcher,
  });
}

export function sha(n: number): string {
  return n.toString(16).padStart(40, '0');
}
