/** The OpenAPI documents as they are committed under openapi/ (one place decides their content). */
import { adminRoutes } from '../admin/routes.js';
import { moduleInterfaces } from '../modules/registry.js';
import { buildAdminDocument, buildOcpiDocument } from './openapi.js';

export function openApiFiles(): Record<string, string> {
  return {
    'ocpi-2.2.1.json': `${JSON.stringify(buildOcpiDocument(moduleInterfaces), null, 2)}\n`,
    'admin.json': `${JSON.stringify(buildAdminDocument(adminRoutes), null, 2)}\n`,
  };
}
