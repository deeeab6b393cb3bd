/**
 * An app release is source only; its packages come from the installed app's node_modules. Each
 * entry is linked into the release's own node_modules: third-party packages to the installed copy
 * (absolute links), workspace packages (relative links such as `../../protocol`) recreated as they
 * are, so they resolve to the release's OWN workspaces, not the installed ones. A release that
 * needs other third-party versions must come with the system package.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** A package the release carries itself is left alone. */
function linkEntry(from: string, to: string): void {
  if (existsSync(to)) return;
  symlinkSync(lstatSync(from).isSymbolicLink() ? readlinkSync(from) : from, to);
}

/** Fills `<releaseDir>/node_modules` with links into `<installRoot>/node_modules` (scoped folders entry by entry). */
export function linkInstalledDependencies(releaseDir: string, installRoot: string): void {
  const source = join(installRoot, 'node_modules');
  const target = join(releaseDir, 'node_modules');
  let entries;
  try {
    entries = readdirSync(source, { withFileTypes: true });
  } catch {
    throw new Error(`the installed app at ${installRoot} has no node_modules to lend the release`);
  }
  mkdirSync(target, { recursive: true });
  for (const e of entries) {
    if (e.name === '.bin' || e.name.startsWith('.')) continue;
    if (e.name.startsWith('@') && e.isDirectory()) {
      mkdirSync(join(target, e.name), { recursive: true });
      for (const s of readdirSync(join(source, e.name))) linkEntry(join(source, e.name, s), join(target, e.name, s));
    } else linkEntry(join(source, e.name), join(target, e.name));
  }
}
