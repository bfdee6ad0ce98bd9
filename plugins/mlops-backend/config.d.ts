export interface Config {
  /** Configuration of the ML model service portal (mlops plugins). */
  mlops?: {
    /**
     * Container registries the backend may read. The backend only ever
     * contacts the hosts listed here: an entity annotation naming another host
     * is refused with a clear reason.
     */
    registries?: Array<{
      /** Unique name, shown on cards (e.g. `harbor`). */
      name: string;
      /** Base URL of the registry API, e.g. `https://harbor.ml.internal` or `http://127.0.0.1:5000`. */
      url: string;
      /**
       * `host[:port]` that image references use for this registry, when it
       * differs from the host of `url` (e.g. behind a proxy). Defaults to the host of `url`.
       */
      host?: string;
      /** `distribution` (registry:2 and compatible, default) or `harbor` (Harbor's `/v2` endpoint). */
      type?: 'distribution' | 'harbor';
      /** Web UI to link to from cards (Harbor's UI, for instance). */
      uiUrl?: string;
      /** User name for Basic auth, and for the token endpoint of Bearer auth. */
      username?: string;
      /**
       * Password or robot token for Basic / token auth.
       * @visibility secret
       */
      password?: string;
      /**
       * Extra hosts the registry's Bearer challenge may name as token realm
       * (credentials are sent there). The registry's own host is always allowed.
       */
      authHosts?: string[];
      /**
       * Hosts a blob download may be redirected to (e.g. S3 signed URLs).
       * Authorization is never forwarded to them.
       */
      redirectHosts?: string[];
      /** Per-request timeout in milliseconds (default 5000). */
      timeoutMs?: number;
      /** Concurrent requests to this registry (default 4). */
      concurrency?: number;
      /** How long a repository's tag report is served from cache, in seconds (default 60). */
      refreshSeconds?: number;
      /** At most this many tags are inspected per repository (default 100). */
      maxTagsInspected?: number;
    }>;
    /** Image card settings. */
    images?: {
      /** Tags shown per repository, newest first (default 10). */
      maxTagsShown?: number;
    };
    /**
     * Kubernetes: clusters come from the standard `kubernetes.clusterLocatorMethods`
     * (type `config`, as for Backstage's Kubernetes plugin); this tunes the watch cache.
     */
    kubernetes?: {
      /** Full re-list of every kind this often, as a safety net (0 = never; default 900). */
      resyncSeconds?: number;
    };
    /** Jenkins polling (instances come from the community plugin's `jenkins` key). */
    jenkins?: {
      /** Cache lifetime of a job's builds, in seconds (default 30). */
      refreshSeconds?: number;
      /** Per-request timeout in milliseconds (default 10000). */
      timeoutMs?: number;
      /** Concurrent requests per instance (default 4). */
      concurrency?: number;
      /** Builds read per job (default 20). */
      maxBuilds?: number;
      /** Branches read per multibranch job (default 50). */
      maxBranches?: number;
    };
    /** Argo CD REST polling (instances come from Roadie's `argocd` key). */
    argocd?: {
      /** Cache lifetime of an instance's application list, in seconds (default 15). */
      refreshSeconds?: number;
      /** Per-request timeout in milliseconds (default 10000). */
      timeoutMs?: number;
      /** Concurrent requests per instance (default 4). */
      concurrency?: number;
      /** Log in again this many seconds before the session token expires (default 300). */
      sessionMarginSeconds?: number;
    };
    /** Model-server (inference) health probes. */
    inference?: {
      /**
       * Endpoints entities may name in `mlops.io/inference-endpoint`, as rules
       * `host[:port|:*]`, `*.domain[:port]`, IP or CIDR[:port]. Nothing else is
       * ever fetched (SSRF). Empty: no endpoint is probed.
       */
      allowedEndpoints?: string[];
      /** Per-probe timeout in milliseconds (default 3000). */
      timeoutMs?: number;
      /** Cache lifetime of a probe result, in seconds (default 15). */
      refreshSeconds?: number;
      /** Concurrent probes per host (default 2). */
      perHostConcurrency?: number;
      /**
       * TorchServe inference key (`key_file.json` → `inference`), sent on `/ping`.
       * @visibility secret
       */
      torchserveToken?: string;
      /**
       * TorchServe management key, sent on `/models/{m}`.
       * @visibility secret
       */
      torchserveManagementToken?: string;
      /**
       * vLLM `--api-key`, sent as Bearer on `/v1/models`.
       * @visibility secret
       */
      openaiApiKey?: string;
    };
    /** The Prometheus (or compatible) API that serving and DCGM metrics are read from. */
    prometheus?: {
      /** Base URL, e.g. `http://prometheus.monitoring:9090`. */
      url: string;
      /**
       * Extra request headers (e.g. Authorization).
       * @visibility secret
       */
      headers?: { [name: string]: string };
      /** Per-query timeout in milliseconds (default 10000). */
      timeoutMs?: number;
      /** Answers are shared between viewers this long, in seconds (default 15). */
      refreshSeconds?: number;
    };
    /** Harbor instances used by the `mlops:harbor:ensure-project` scaffolder action. */
    harbor?: {
      instances?: Array<{
        name: string;
        url: string;
        /** Robot or user name. */
        username: string;
        /** @visibility secret */
        password: string;
      }>;
    };
    /** Notifications to a service's owner when its delivery breaks and when it recovers. */
    notifications?: {
      delivery?: {
        /** Default true. */
        enabled?: boolean;
        /** How often every model service is judged, in seconds (default 60, at least 10). */
        frequencySeconds?: number;
        /** Delay of the first run after start, in seconds (default 30). */
        initialDelaySeconds?: number;
      };
    };
    /** Scaffolder module settings. */
    scaffolder?: {
      /** Register the `argocd:create-resources` alias (turn off when Roadie's module is installed; default true). */
      registerArgocdAlias?: boolean;
      /** Allow `file://` repo URLs in `mlops:gitops:register` (tests only; default false). */
      allowFileRepoUrls?: boolean;
    };
  };
  /** Kubernetes clusters, as Backstage's Kubernetes plugin configures them (only the key mlops adds is listed here). */
  kubernetes?: {
    clusterLocatorMethods?: Array<{
      clusters?: Array<{
        /**
         * Token of an account allowed to `patch` Deployments/StatefulSets; used only by the
         * restart action (reads use serviceAccountToken). Without it, restart answers 501.
         * @visibility secret
         */
        writeServiceAccountToken?: string;
      }>;
    }>;
  };
  /** Argo CD instances, in the shape Roadie's Argo CD plugin reads. */
  argocd?: {
    username?: string;
    /** @visibility secret */
    password?: string;
    appLocatorMethods?: Array<{
      type: string;
      instances?: Array<{
        name: string;
        url: string;
        username?: string;
        /** @visibility secret */
        password?: string;
        /** @visibility secret */
        token?: string;
      }>;
    }>;
  };
  /** Jenkins instances, in the shape the community Jenkins plugin reads. */
  jenkins?: {
    baseUrl?: string;
    username?: string;
    /** @visibility secret */
    apiKey?: string;
    crumbIssuer?: boolean;
    instances?: Array<{
      name: string;
      baseUrl: string;
      username: string;
      /** @visibility secret */
      apiKey: string;
      /** @visibility secret */
      password?: string;
      crumbIssuer?: boolean;
    }>;
  };
}
