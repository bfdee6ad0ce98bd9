import {
  InferenceReport,
  UpstreamProblem,
} from '@internal/plugin-mlops-common';
import { LRUCache } from 'lru-cache';
import { dueForRefresh } from '../refreshAhead';
import pLimit from 'p-limit';
import { performance } from 'node:perf_hooks';
import { EndpointPolicy } from '../endpointPolicy';
import { GuardedRequester } from '../guardedRequest';
import { UpstreamError } from '../http';
import { InferenceConfig } from './config';
import { judgeInference } from './judge';
import {
  PROTOCOL_PROBES,
  ProbeOutcome,
  TimedGet,
  hostOf,
  upstreamName,
} from './protocols';
import { InferenceTarget } from './target';

/** Failed probes are kept at most this long, so a recovered server shows up quickly. */
const FAULT_TTL_MS = 5_000;

type Resolver = (hostname: string) => Promise<string[]>;

/** Reads the inference signal of model servers. */
export interface InferenceReader {
  probe(target: InferenceTarget): Promise<InferenceReport>;
}

/**
 * Probes model servers named by catalog entities: live, ready and
 * model-ready per protocol (see `protocols.ts`), plus the readiness call's
 * latency. Every URL goes through the endpoint policy built from
 * `mlops.inference.allowedEndpoints` (an endpoint that is not allowed is
 * reported `not-allowed` and never contacted). One report per endpoint is
 * cached for `refreshSeconds` and shared by concurrent callers; requests to
 * one host are limited to `perHostConcurrency` at a time.
 */
export class InferenceProber implements InferenceReader {
  private readonly cache = new LRUCache<
    string,
    { report: InferenceReport; expiresAt: number; lifetimeMs: number }
  >({ max: 5_000 });
  private readonly inFlight = new Map<string, Promise<InferenceReport>>();
  private readonly hostLimits = new LRUCache<string, ReturnType<typeof pLimit>>(
    { max: 1_000 },
  );
  private readonly secrets: string[];

  private constructor(
    private readonly config: InferenceConfig,
    private readonly policy: EndpointPolicy,
    private readonly requester: GuardedRequester,
    private readonly now: () => number,
  ) {
    this.secrets = [
      config.torchserveToken,
      config.torchserveManagementToken,
      config.openaiApiKey,
    ].filter((s): s is string => Boolean(s && s.length >= 4));
  }

  static create(options: {
    config: InferenceConfig;
    now?: () => number;
    resolve?: Resolver;
  }): InferenceProber {
    const policy = EndpointPolicy.create(options.config.allowedEndpoints, {
      resolve: options.resolve,
    });
    const requester = new GuardedRequester(policy, {
      upstream: 'inference endpoint',
      timeoutMs: options.config.timeoutMs,
    });
    return new InferenceProber(
      options.config,
      policy,
      requester,
      options.now ?? Date.now,
    );
  }

  async probe(target: InferenceTarget): Promise<InferenceReport> {
    const key = JSON.stringify([
      target.protocol,
      target.endpoint,
      target.model ?? '',
      target.managementEndpoint ?? '',
    ]);
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached && cached.expiresAt > now) {
      if (
        dueForRefresh(cached.expiresAt, now, cached.lifetimeMs) &&
        !this.inFlight.has(key)
      )
        this.load(key, target).catch(() => {});
      return cached.report;
    }
    return this.load(key, target);
  }

  /** Probes into the cache; concurrent callers share one probe. */
  private load(key: string, target: InferenceTarget): Promise<InferenceReport> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.run(target)
        .then(report => {
          const ttl = report.health.problem
            ? Math.min(FAULT_TTL_MS, this.config.refreshSeconds * 1000)
            : this.config.refreshSeconds * 1000;
          this.cache.set(key, {
            report,
            expiresAt: this.now() + ttl,
            lifetimeMs: ttl,
          });
          return report;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async run(target: InferenceTarget): Promise<InferenceReport> {
    const checkedAt = new Date(this.now()).toISOString();
    const upstream = upstreamName(target);
    let outcome: ProbeOutcome;
    const refused = this.refusal(target, upstream);
    if (refused) {
      outcome = { checks: [], problem: refused, unknownBecause: [] };
    } else {
      outcome = await PROTOCOL_PROBES[target.protocol](
        target,
        { get: this.timedGet, config: this.config },
        upstream,
      );
    }
    outcome = this.scrubbed(outcome);
    return {
      endpoint: target.endpoint,
      protocol: target.protocol,
      ...(target.model ? { model: target.model } : {}),
      ...(outcome.live !== undefined ? { live: outcome.live } : {}),
      ...(outcome.ready !== undefined ? { ready: outcome.ready } : {}),
      ...(outcome.modelReady !== undefined
        ? { modelReady: outcome.modelReady }
        : {}),
      ...(outcome.latencyMs !== undefined
        ? { latencyMs: Math.round(outcome.latencyMs) }
        : {}),
      checkedAt,
      checks: outcome.checks,
      health: judgeInference(target, outcome, checkedAt),
    };
  }

  /** Checks every URL of the target before any request, so nothing of a refused target is fetched. */
  private refusal(
    target: InferenceTarget,
    upstream: string,
  ): UpstreamProblem | undefined {
    const urls: Array<[string, string]> = [
      ['mlops.io/inference-endpoint', target.endpoint],
    ];
    if (target.managementEndpoint)
      urls.push([
        'mlops.io/inference-management-endpoint',
        target.managementEndpoint,
      ]);
    for (const [annotation, url] of urls) {
      const verdict = this.policy.check(url);
      if (!verdict.ok) {
        return {
          upstream,
          fault: 'not-allowed',
          message: `${annotation}: ${verdict.reason}; allow it in mlops.inference.allowedEndpoints`,
        };
      }
    }
    return undefined;
  }

  private readonly timedGet: TimedGet = async (url, headers, upstream) => {
    const host = hostOf(url).toLowerCase();
    let limit = this.hostLimits.get(host);
    if (!limit) {
      limit = pLimit(this.config.perHostConcurrency);
      this.hostLimits.set(host, limit);
    }
    return limit(async () => {
      const started = performance.now();
      try {
        const res = await this.requester.get(url, headers);
        return { res, ms: performance.now() - started };
      } catch (e) {
        if (e instanceof UpstreamError) {
          throw new UpstreamError({ ...e.problem, upstream });
        }
        throw e;
      }
    });
  };

  private scrubbed(outcome: ProbeOutcome): ProbeOutcome {
    if (!this.secrets.length) return outcome;
    const scrub = (text: string) =>
      this.secrets.reduce((t, s) => t.split(s).join('***'), text);
    return {
      ...outcome,
      checks: outcome.checks.map(c => ({ ...c, detail: scrub(c.detail) })),
      ...(outcome.problem
        ? {
            problem: {
              ...outcome.problem,
              message: scrub(outcome.problem.message),
            },
          }
        : {}),
    };
  }
}
