import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { versionDetailsInterface, versionListInterface } from './routes.js';

// The version list is served once, by this version's module; another version's versions module brings only its details.
export const versionsModule = defineModule({ id: 'versions', version: OCPI_VERSION, interfaces: [versionListInterface, versionDetailsInterface] });
