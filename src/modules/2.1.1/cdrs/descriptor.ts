import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { cdrs211ReceiverInterface } from './receiver-routes.js';
import { cdrs211SenderInterface } from './routes.js';
import { cdrs211Translation } from './wire-translation.js';

// Served from the 2.2.1 module's services (app.services.ownCdrs / receivedCdrs / cdrQuarantine): one store, two wire forms.
export const cdrs211Module = defineModule({
  id: 'cdrs',
  version: OCPI_VERSION,
  interfaces: [cdrs211SenderInterface, cdrs211ReceiverInterface],
  translation: cdrs211Translation,
});
