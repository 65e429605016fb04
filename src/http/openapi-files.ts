/** The OpenAPI documents as they are committed under openapi/ (one place decides their content). */
import { adminRoutes } from '../admin/routes.js';
import { descriptors, moduleInterfaces } from '../modules/registry.js';
import { buildAdminDocument, ocpiDocuments } from './openapi.js';

export function openApiFiles(): Record<string, string> {
  const ocpi = Object.entries(ocpiDocuments(moduleInterfaces, descriptors)).map(([name, doc]) => [name, `${JSON.stringify(doc, null, 2)}\n`]);
  return {
    ...Object.fromEntries(ocpi),
    'admin.json': `${JSON.stringify(buildAdminDocument(adminRoutes), null, 2)}\n`,
  };
}
