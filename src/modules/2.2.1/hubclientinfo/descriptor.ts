import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { hubClientInfoPull } from './pull.js';
import { hubClientInfoReceiverInterface, hubClientInfoSenderInterface } from './routes.js';

export const hubClientInfoModule = defineModule({
  id: 'hubclientinfo',
  version: OCPI_VERSION,
  interfaces: [hubClientInfoSenderInterface, hubClientInfoReceiverInterface],
  pull: hubClientInfoPull,
});
