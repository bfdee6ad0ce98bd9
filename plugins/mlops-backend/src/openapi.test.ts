import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { createRouter, RouterOptions } from './router';
import { ActionsRouterOptions, createActionsRouter } from './routes/actionsRouter';

/** The OpenAPI spec documents exactly the routes the router serves. */
describe('openapi.yaml', () => {
  it('lists every route of the router, and no other', async () => {
    const routers = [
      await createRouter({} as unknown as RouterOptions),
      await createActionsRouter({} as unknown as ActionsRouterOptions),
    ];
    const served = routers
      .flatMap(router => router.stack as Array<{ route?: { path: string; methods: Record<string, boolean> } }>)
      .filter(layer => layer.route)
      .flatMap(layer =>
        Object.keys(layer.route!.methods).map(
          m => `${m.toUpperCase()} ${layer.route!.path.replace(/:([A-Za-z]+)/g, '{$1}')}`,
        ),
      )
      .sort();
    const spec = yaml.parse(fs.readFileSync(path.resolve(__dirname, '../openapi.yaml'), 'utf8'));
    const documented = Object.entries(spec.paths as Record<string, Record<string, unknown>>)
      .flatMap(([p, ops]) => Object.keys(ops).map(m => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented).toEqual(served);
  });
});
