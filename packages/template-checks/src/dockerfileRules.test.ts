import {
  checkDockerfile,
  DockerfileRule,
  parseImageReference,
} from './dockerfileRules';

const GOOD = `# syntax=docker/dockerfile:1
ARG BASE=python:3.11.9-slim-bookworm
FROM \${BASE} AS build
RUN pip install --no-cache-dir --prefix /install fastapi==0.115.0
FROM python:3.11.9-slim-bookworm@sha256:${'a'.repeat(64)}
COPY --from=build /install /usr/local
COPY app/ /app/
RUN useradd --uid 10001 --create-home app
USER 10001:10001
ENV MODEL_DIR=/models HF_TOKEN=
ARG API_TOKEN
EXPOSE 8000
HEALTHCHECK --interval=30s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
ENTRYPOINT ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
`;

const rulesOf = (
  content: string,
  requireHealthcheck = true,
): DockerfileRule[] =>
  checkDockerfile(content, { requireHealthcheck }).map(p => p.rule);

describe('checkDockerfile', () => {
  it('accepts a pinned, non-root Dockerfile without secrets and with a HEALTHCHECK', () => {
    expect(checkDockerfile(GOOD, { requireHealthcheck: true })).toEqual([]);
  });

  it.each<[string, string, DockerfileRule]>([
    [
      'an unknown instruction',
      GOOD.replace('EXPOSE 8000', 'EXPOZE 8000'),
      'syntax',
    ],
    [
      'an instruction without arguments',
      GOOD.replace('EXPOSE 8000', 'EXPOSE'),
      'syntax',
    ],
    [
      'an untagged base',
      GOOD.replace('ARG BASE=python:3.11.9-slim-bookworm', 'ARG BASE=python'),
      'pinned-base',
    ],
    [
      'a latest base',
      GOOD.replace(/^FROM python:.*$/m, 'FROM python:latest'),
      'pinned-base',
    ],
    ['a malformed digest', GOOD.replace('a'.repeat(64), 'abc'), 'pinned-base'],
    ['no USER', GOOD.replace('USER 10001:10001\n', ''), 'non-root-user'],
    [
      'USER root',
      GOOD.replace('USER 10001:10001', 'USER root'),
      'non-root-user',
    ],
    ['USER 0:0', GOOD.replace('USER 10001:10001', 'USER 0:0'), 'non-root-user'],
    [
      'USER set only after ENTRYPOINT',
      `${GOOD.replace('USER 10001:10001\n', '')}USER 10001\n`,
      'non-root-user',
    ],
    [
      'USER only in the build stage',
      GOOD.replace('USER 10001:10001\n', '').replace(
        'RUN pip',
        'USER app\nRUN pip',
      ),
      'non-root-user',
    ],
    [
      'a password in ENV',
      GOOD.replace('HF_TOKEN=', 'HF_TOKEN=hf_abcdef'),
      'no-secrets',
    ],
    [
      'a token default in ARG',
      GOOD.replace('ARG API_TOKEN', 'ARG API_TOKEN=s3cr3t'),
      'no-secrets',
    ],
    [
      'a DB password in ENV',
      GOOD.replace('ENV MODEL_DIR', 'ENV DB_PASSWORD=hunter2 MODEL_DIR'),
      'no-secrets',
    ],
    [
      'a copied .env file',
      GOOD.replace('COPY app/ /app/', 'COPY .env app/ /app/'),
      'no-secrets',
    ],
    [
      'a copied SSH key',
      GOOD.replace(
        'COPY app/ /app/',
        'COPY --chown=app keys/id_rsa /home/app/.ssh/',
      ),
      'no-secrets',
    ],
    ['no HEALTHCHECK', GOOD.replace(/^HEALTHCHECK.*\n/m, ''), 'healthcheck'],
    [
      'HEALTHCHECK NONE',
      GOOD.replace(/^HEALTHCHECK.*$/m, 'HEALTHCHECK NONE'),
      'healthcheck',
    ],
  ])('rejects %s', (_what, content, rule) => {
    expect(rulesOf(content)).toEqual([rule]);
  });

  it('does not require a HEALTHCHECK for runtimes without a health endpoint', () => {
    expect(rulesOf(GOOD.replace(/^HEALTHCHECK.*\n/m, ''), false)).toEqual([]);
  });

  it('reports the line of the offending instruction', () => {
    const [problem] = checkDockerfile(
      GOOD.replace('USER 10001:10001', 'USER root'),
      {
        requireHealthcheck: true,
      },
    );
    expect(problem.line).toBe(9);
    expect(problem.message).toMatch(/root/);
  });

  it('accepts FROM of an earlier build stage and scratch', () => {
    const content = `FROM golang:1.22.5 AS build
RUN go build -o /app .
FROM scratch AS empty
FROM build
USER 65532
CMD ["/app"]
`;
    expect(rulesOf(content, false)).toEqual([]);
  });
});

describe('parseImageReference', () => {
  it.each([
    ['python:3.11', { name: 'python', tag: '3.11' }],
    ['localhost:5000/ml/x', { name: 'localhost:5000/ml/x' }],
    ['localhost:5000/ml/x:1.2', { name: 'localhost:5000/ml/x', tag: '1.2' }],
    [
      'nvcr.io/nvidia/tritonserver:24.08-py3@sha256:abc',
      {
        name: 'nvcr.io/nvidia/tritonserver',
        tag: '24.08-py3',
        digest: 'sha256:abc',
      },
    ],
  ])('%s', (ref, expected) => {
    expect(parseImageReference(ref)).toEqual(expected);
  });
});
