/**
 * Harbor API simulator (not Harbor): the `/api/v2.0` project, repository and
 * artifact endpoints with Harbor's auth, CSRF, paging, encoding and scan
 * overview behaviour. It serves no registry (`/v2/`); use the real
 * docker-registry from test-env for that.
 */
import crypto from 'node:crypto';
import { Fault } from '../common/faults';
import { RecordedRequest, startSimServer } from '../common/server';
import { codeForStatus, createHarborHandler, writeHarborError } from './routes';
import { HarborArtifact, HarborState } from './state';
import { ArtifactSeed, HarborAccount, HarborProjectSeed } from './types';

export interface HarborSimulatorOptions {
  /**
   * Accounts. Default: `admin` / `Harbor12345` (system admin) and the project
   * robot `robot$ml+ci` / `robot-secret`.
   */
  accounts?: HarborAccount[];
  /** Reported by `/systeminfo`, default `v2.15.2-simulator`. */
  version?: string;
  fault?: Fault;
  port?: number;
}

export interface HarborSimulator {
  /** `http://127.0.0.1:<port>` (the API lives under `/api/v2.0`). */
  url: string;
  stop(): Promise<void>;
  setFault(fault: Fault): Promise<void>;
  requests(): RecordedRequest[];
  resetRequests(): void;
  addProject(project: HarborProjectSeed): void;
  /** Adds an artifact; the project is created (private) when missing. */
  addArtifact(
    project: string,
    repository: string,
    artifact: ArtifactSeed,
  ): HarborArtifact;
  addAccount(account: HarborAccount): void;
  /** Project names and whether they are public. */
  projects(): Array<{ name: string; public: boolean; id: number }>;
}

export async function startHarborSimulator(
  options: HarborSimulatorOptions = {},
): Promise<HarborSimulator> {
  const state = new HarborState(
    options.accounts ?? [
      { username: 'admin', password: 'Harbor12345', admin: true },
      { username: 'robot$ml+ci', password: 'robot-secret' },
    ],
  );
  const server = await startSimServer({
    name: 'harbor',
    handler: createHarborHandler({
      state,
      version: options.version ?? 'v2.15.2-simulator',
      csrfSecret: crypto.randomBytes(32),
    }),
    errorResponse: (req, res, status) => {
      res.setHeader(
        'X-Request-Id',
        req.header('x-request-id') ?? crypto.randomUUID(),
      );
      writeHarborError(
        res,
        status,
        codeForStatus(status),
        `simulated fault: HTTP ${status}`,
      );
    },
    malformedBody: '[{"id":1,"digest":"sha256:trunc',
    fault: options.fault,
    port: options.port,
  });
  return {
    url: server.url,
    stop: () => server.stop(),
    setFault: f => server.setFault(f),
    requests: () => server.requests(),
    resetRequests: () => server.resetRequests(),
    addProject: p => {
      state.addProject(p.name, p.public ?? false);
    },
    addArtifact: (project, repository, artifact) =>
      state.addArtifact(project, repository, artifact),
    addAccount: a => {
      state.accounts.push(a);
    },
    projects: () =>
      [...state.projects.values()].map(p => ({
        name: p.name,
        public: p.public,
        id: p.id,
      })),
  };
}
