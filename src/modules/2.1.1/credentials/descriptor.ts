import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { handshake211 } from './initiator.js';
import { credentials211Interface } from './routes.js';

export const credentials211Module = defineModule({
  id: 'credentials',
  version: OCPI_VERSION,
  interfaces: [credentials211Interface],
  handshake: handshake211,
});
