import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Format } from '../../src/import/draft.js';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const importFixtures = path.join(repo, 'test/fixtures/import');

export interface CorpusCase {
  /** Under test/fixtures/import. */
  file: string;
  format: Format;
  /** The whole expected stdout, under test/fixtures/import/golden. */
  golden: string;
  notImported: number;
}

/** Every fixture of the corpus, with how many of its options have no place in a spec. */
export const CORPUS: CorpusCase[] = [
  { file: 'tmuxinator/shop.yml', format: 'tmuxinator', golden: 'tmuxinator-shop.yaml', notImported: 6 },
  { file: 'tmuxinator/blog.yml', format: 'tmuxinator', golden: 'tmuxinator-blog.yaml', notImported: 6 },
  { file: 'tmuxinator/ops.yml', format: 'tmuxinator', golden: 'tmuxinator-ops.yaml', notImported: 4 },
  { file: 'tmuxp/shop.yaml', format: 'tmuxp', golden: 'tmuxp-shop.yaml', notImported: 4 },
  { file: 'tmuxp/microservices.json', format: 'tmuxp', golden: 'tmuxp-microservices.yaml', notImported: 7 },
  { file: 'tmuxp/dotfiles.yaml', format: 'tmuxp', golden: 'tmuxp-dotfiles.yaml', notImported: 2 },
  { file: 'smug/blog.yml', format: 'smug', golden: 'smug-blog.yaml', notImported: 5 },
  { file: 'smug/api.yml', format: 'smug', golden: 'smug-api.yaml', notImported: 3 },
  { file: 'smug/monorepo.yml', format: 'smug', golden: 'smug-monorepo.yaml', notImported: 0 },
  { file: 'process-compose/shop/process-compose.yaml', format: 'process-compose', golden: 'process-compose-shop.yaml', notImported: 10 },
  { file: 'process-compose/ml/process-compose.yml', format: 'process-compose', golden: 'process-compose-ml.yaml', notImported: 10 },
  { file: 'process-compose/docs/process-compose.yaml', format: 'process-compose', golden: 'process-compose-docs.yaml', notImported: 5 },
  { file: 'procfile/shop/Procfile', format: 'procfile', golden: 'procfile-shop.yaml', notImported: 0 },
  { file: 'procfile/storefront/Procfile.dev', format: 'procfile', golden: 'procfile-storefront.yaml', notImported: 0 },
  { file: 'procfile/flask/Procfile', format: 'procfile', golden: 'procfile-flask.yaml', notImported: 1 },
  { file: 'pm2/shop/ecosystem.config.js', format: 'pm2', golden: 'pm2-shop.yaml', notImported: 11 },
  { file: 'pm2/bot/ecosystem.config.json', format: 'pm2', golden: 'pm2-bot.yaml', notImported: 3 },
  { file: 'pm2/site/ecosystem.config.yaml', format: 'pm2', golden: 'pm2-site.yaml', notImported: 3 },
  { file: 'pm2/next/ecosystem.config.cjs', format: 'pm2', golden: 'pm2-next.yaml', notImported: 2 },
];
