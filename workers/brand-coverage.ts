import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseApiKeysList, readApiKeysFile } from '../api/api-keys';

/** Where brands are named: each configuration place a brand can appear in. */
export interface BrandSources {
  profilesDir: string;
  playbooksDir: string;
  templatesDir: string;
  /** KEPT_API_KEYS (`brand:key,...`), which wins over the keys file, as in the API. */
  apiKeysList?: string;
  apiKeysFile: string;
}

export interface BrandCoverage {
  withProfile: string[];
  /** Brands named somewhere (API keys, playbooks, templates) with no service profile. */
  withoutProfile: string[];
}

/**
 * Which brands have a service profile, and which are configured elsewhere without one: a brand
 * without a profile gets no promises and no outreach, which nobody should learn from silence.
 */
export function brandCoverage(sources: BrandSources): BrandCoverage {
  const withProfile = jsonNames(sources.profilesDir);
  const named = new Set([
    ...apiKeyBrands(sources),
    ...jsonNames(sources.playbooksDir).filter((name) => name !== 'default'),
    ...folderNames(sources.templatesDir).filter((name) => name !== 'default'),
  ]);
  return { withProfile, withoutProfile: [...named].filter((brand) => !withProfile.includes(brand)).sort() };
}

/** The worker's start-up lines: the brands served, and loudly, those that will get nothing. */
export function describeBrandCoverage(
  coverage: BrandCoverage,
  profilesDir: string,
): { info: string; warning?: string } {
  const info = `kept worker: service profiles for ${coverage.withProfile.join(', ') || 'no brand'} (${profilesDir})`;
  if (coverage.withoutProfile.length === 0) return { info };
  const files = coverage.withoutProfile.map((brand) => path.join(profilesDir, `${brand}.json`)).join(', ');
  return {
    info,
    warning:
      `kept worker: WARNING no service profile for ${coverage.withoutProfile.join(', ')}: ` +
      `their journeys make no promises and send no outreach until ${files} exist(s)`,
  };
}

function apiKeyBrands(sources: BrandSources): string[] {
  try {
    const entries = sources.apiKeysList
      ? parseApiKeysList(sources.apiKeysList)
      : existsSync(sources.apiKeysFile)
        ? readApiKeysFile(sources.apiKeysFile)
        : [];
    return entries.map((entry) => entry.brand);
  } catch {
    return []; // the API reports a bad keys file itself; the worker does not need it
  }
}

function jsonNames(directory: string): string[] {
  return entries(directory)
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => entry.name.slice(0, -'.json'.length))
    .sort();
}

function folderNames(directory: string): string[] {
  return entries(directory)
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function entries(directory: string) {
  return existsSync(directory) ? readdirSync(directory, { withFileTypes: true }) : [];
}
