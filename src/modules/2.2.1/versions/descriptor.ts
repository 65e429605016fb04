import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { versionsInterface } from './routes.js';

export const versionsModule = defineModule({ id: 'versions', version: OCPI_VERSION, interfaces: [versionsInterface] });
