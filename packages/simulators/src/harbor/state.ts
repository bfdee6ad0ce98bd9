/** In-memory Harbor projects, repositories and artifacts. */
import crypto from 'node:crypto';
import {
  ArtifactSeed,
  HarborAccount,
  SCAN_STATUSES,
  SEVERITIES,
} from './types';

export interface HarborArtifact extends ArtifactSeed {
  id: number;
  digest: string;
  size: number;
  pushTime: string;
  tags: string[];
  tagIds: number[];
}

export interface HarborRepository {
  id: number;
  name: string;
  creationTime: string;
  artifacts: HarborArtifact[];
}

export interface HarborProject {
  id: number;
  name: string;
  public: boolean;
  ownerName: string;
  creationTime: string;
  repositories: Map<string, HarborRepository>;
}

/** Harbor times: RFC 3339 with milliseconds. */
export const harborTime = (d = new Date()) => d.toISOString();

const PROJECT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export class HarborState {
  readonly projects = new Map<string, HarborProject>();
  readonly accounts: HarborAccount[];
  private nextId = 1;

  constructor(accounts: HarborAccount[]) {
    this.accounts = accounts;
  }

  id() {
    return this.nextId++;
  }

  static validProjectName(name: string): boolean {
    return name.length >= 1 && name.length <= 255 && PROJECT_NAME.test(name);
  }

  addProject(name: string, isPublic: boolean, owner = 'admin'): HarborProject {
    if (this.projects.has(name))
      throw new Error(`harbor simulator: project ${name} exists`);
    const p: HarborProject = {
      id: this.id(),
      name,
      public: isPublic,
      ownerName: owner,
      creationTime: harborTime(),
      repositories: new Map(),
    };
    this.projects.set(name, p);
    return p;
  }

  projectByNameOrId(
    ref: string,
    forceName: boolean,
  ): HarborProject | undefined {
    if (!forceName && /^\d+$/.test(ref)) {
      return [...this.projects.values()].find(p => p.id === Number(ref));
    }
    return this.projects.get(ref);
  }

  addArtifact(
    projectName: string,
    repository: string,
    seed: ArtifactSeed,
  ): HarborArtifact {
    const project =
      this.projects.get(projectName) ?? this.addProject(projectName, false);
    for (const [, o] of Object.entries(seed.scan ?? {})) {
      if (!(SCAN_STATUSES as readonly string[]).includes(o.scan_status)) {
        throw new Error(
          `harbor simulator: scan_status must be one of ${SCAN_STATUSES.join(
            '|',
          )}`,
        );
      }
      if (
        o.severity &&
        !(SEVERITIES as readonly string[]).includes(o.severity)
      ) {
        throw new Error(
          `harbor simulator: severity must be one of ${SEVERITIES.join('|')}`,
        );
      }
    }
    let repo = project.repositories.get(repository);
    if (!repo) {
      repo = {
        id: this.id(),
        name: repository,
        creationTime: harborTime(),
        artifacts: [],
      };
      project.repositories.set(repository, repo);
    }
    const tags = seed.tags ?? [];
    const digest =
      seed.digest ??
      `sha256:${crypto
        .createHash('sha256')
        .update(
          `${projectName}/${repository}@${tags.join(',')}#${
            repo.artifacts.length
          }`,
        )
        .digest('hex')}`;
    const artifact: HarborArtifact = {
      ...seed,
      id: this.id(),
      digest,
      size: seed.size ?? 52_431_877,
      pushTime: seed.pushTime ?? harborTime(),
      tags,
      tagIds: tags.map(() => this.id()),
    };
    repo.artifacts.push(artifact);
    return artifact;
  }
}
