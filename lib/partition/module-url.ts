/** A module given as URL, file URL or path, as the URL string a worker can import. */
import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { ArgumentError } from '../pool/errors.ts';

export function toModuleUrlString(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') throw new ArgumentError('module must be a URL or a path');
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}
