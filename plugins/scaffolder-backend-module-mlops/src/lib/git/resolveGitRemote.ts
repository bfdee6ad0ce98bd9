import { InputError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegration,
  ScmIntegrationRegistry,
} from '@backstage/integration';
import { parseRepoUrl } from '@backstage/plugin-scaffolder-node';
import { basicAuth } from '../http';

/** Where to clone from and how to authenticate (never in the URL). */
export interface GitRemote {
  /** Clone URL without credentials. */
  cloneUrl: string;
  /** `Authorization: …` header line for `http.extraHeader`, if credentials are configured. */
  authHeader?: string;
  /** Integration that supplied the credentials, for logs (`gitea git.ml.internal`). */
  integration?: string;
}

/**
 * Turns a `repoUrl` input into a clone URL plus credentials from the
 * `integrations` config. Accepts a clone URL (`https://`, `http://`, or
 * `file://` when `allowFileUrls`) or the RepoUrlPicker form
 * `host?owner=o&repo=r` (GitHub, GitLab, Gitea, Bitbucket Server hosts).
 */
export async function resolveGitRemote(
  repoUrl: string,
  integrations: ScmIntegrationRegistry,
  options: { allowFileUrls: boolean },
): Promise<GitRemote> {
  const value = repoUrl.trim();
  if (/^file:\/\//i.test(value)) {
    if (!options.allowFileUrls) {
      throw new InputError(
        `repoUrl ${value}: file:// URLs are disabled (set mlops.scaffolder.allowFileRepoUrls: true to allow them, e.g. in tests)`,
      );
    }
    return { cloneUrl: value };
  }
  if (/^https?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InputError(`repoUrl ${value} is not a valid URL`);
    }
    if (url.username || url.password) {
      throw new InputError(
        'repoUrl must not contain credentials; configure them under integrations in app-config instead',
      );
    }
    const integration = integrations.byHost(url.host);
    const authHeader = integration
      ? await credentialsFor(integration, integrations, value, url.host)
      : undefined;
    return {
      cloneUrl: value,
      authHeader,
      integration: describe(integration, url.host),
    };
  }
  if (value.includes('?')) {
    return fromPickerForm(value, integrations);
  }
  throw new InputError(
    `repoUrl "${value}" is neither a clone URL (https://, http://, file://) nor the RepoUrlPicker form host?owner=o&repo=r`,
  );
}

async function fromPickerForm(
  value: string,
  integrations: ScmIntegrationRegistry,
): Promise<GitRemote> {
  const { host, owner, repo, project } = parseRepoUrl(value, integrations);
  const integration = integrations.byHost(host);
  if (!integration) {
    throw new InputError(`No integration is configured for host ${host}`);
  }
  let cloneUrl: string;
  switch (integration.type) {
    case 'github':
      cloneUrl = `https://${host}/${requireOwner(owner, value)}/${repo}.git`;
      break;
    case 'gitlab':
    case 'gitea': {
      const baseUrl =
        (integration.type === 'gitlab'
          ? integrations.gitlab.byHost(host)?.config.baseUrl
          : integrations.gitea.byHost(host)?.config.baseUrl) ??
        `https://${host}`;
      cloneUrl = `${baseUrl.replace(/\/+$/, '')}/${requireOwner(
        owner,
        value,
      )}/${repo}.git`;
      break;
    }
    case 'bitbucketServer':
      cloneUrl = `https://${host}/scm/${project}/${repo}.git`;
      break;
    default:
      throw new InputError(
        `repoUrl ${value}: ${integration.type} hosts are not supported in the host?owner=&repo= form; pass the clone URL instead`,
      );
  }
  const authHeader = await credentialsFor(
    integration,
    integrations,
    cloneUrl,
    host,
  );
  return { cloneUrl, authHeader, integration: describe(integration, host) };
}

function requireOwner(owner: string | undefined, value: string): string {
  if (!owner) throw new InputError(`repoUrl ${value} is missing owner`);
  return owner;
}

function describe(
  integration: ScmIntegration | undefined,
  host: string,
): string | undefined {
  return integration ? `${integration.type} ${host}` : undefined;
}

/** The `Authorization` header line git should send to this integration's host. */
async function credentialsFor(
  integration: ScmIntegration,
  integrations: ScmIntegrationRegistry,
  url: string,
  host: string,
): Promise<string | undefined> {
  switch (integration.type) {
    case 'github': {
      const { token } = await DefaultGithubCredentialsProvider.fromIntegrations(
        integrations,
      ).getCredentials({ url: url.replace(/\.git$/, '') });
      return token
        ? `Authorization: ${basicAuth('x-access-token', token)}`
        : undefined;
    }
    case 'gitlab': {
      const token = integrations.gitlab.byHost(host)?.config.token;
      return token ? `Authorization: ${basicAuth('oauth2', token)}` : undefined;
    }
    case 'gitea': {
      const config = integrations.gitea.byHost(host)?.config;
      return config?.username && config.password
        ? `Authorization: ${basicAuth(config.username, config.password)}`
        : undefined;
    }
    case 'bitbucketServer': {
      const config = integrations.bitbucketServer.byHost(host)?.config;
      if (config?.token) return `Authorization: Bearer ${config.token}`;
      return config?.username && config.password
        ? `Authorization: ${basicAuth(config.username, config.password)}`
        : undefined;
    }
    default:
      return undefined;
  }
}
