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
  };
}
