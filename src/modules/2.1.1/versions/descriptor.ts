import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { versionDetails211Interface } from './routes.js';

// The version list at /ocpi/versions is served once (by the newest version's module) and lists this one too.
export const versions211Module = defineModule({ id: 'versions', version: OCPI_VERSION, interfaces: [versionDetails211Interface] });
