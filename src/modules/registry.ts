/**
 * The one list of OCPI module interfaces this platform implements. It decides what is mounted,
 * what the version details endpoint advertises (filtered by local party roles) and what the
 * OpenAPI document contains. Adding a module = adding its folder and a line here.
 */
import type { ModuleInterface } from '../ocpi/registry-types.js';
import { chargingProfilesReceiverInterface } from './2.2.1/chargingprofiles/routes.js';
import { chargingProfilesSenderInterface } from './2.2.1/chargingprofiles/sender-routes.js';
import { commandsReceiverInterface } from './2.2.1/commands/routes.js';
import { commandsSenderInterface } from './2.2.1/commands/sender-routes.js';
import { credentialsInterface } from './2.2.1/credentials/routes.js';
import { cdrsReceiverInterface } from './2.2.1/cdrs/receiver-routes.js';
import { cdrsSenderInterface } from './2.2.1/cdrs/routes.js';
import { locationsReceiverInterface } from './2.2.1/locations/receiver-routes.js';
import { locationsSenderInterface } from './2.2.1/locations/routes.js';
import { sessionsReceiverInterface } from './2.2.1/sessions/receiver-routes.js';
import { sessionsSenderInterface } from './2.2.1/sessions/routes.js';
import { tariffsReceiverInterface } from './2.2.1/tariffs/receiver-routes.js';
import { tariffsSenderInterface } from './2.2.1/tariffs/routes.js';
import { tokensReceiverInterface } from './2.2.1/tokens/routes.js';
import { tokensSenderInterface } from './2.2.1/tokens/sender-routes.js';
import { hubClientInfoReceiverInterface, hubClientInfoSenderInterface } from './2.2.1/hubclientinfo/routes.js';
import { versionsInterface } from './2.2.1/versions/routes.js';
import { hubInterface } from '../hub/routes.js';

export const moduleInterfaces: ModuleInterface[] = [versionsInterface, credentialsInterface, locationsSenderInterface, locationsReceiverInterface, sessionsSenderInterface, sessionsReceiverInterface, cdrsSenderInterface, cdrsReceiverInterface, tariffsSenderInterface, tariffsReceiverInterface, tokensReceiverInterface, tokensSenderInterface, commandsReceiverInterface, commandsSenderInterface, chargingProfilesReceiverInterface, chargingProfilesSenderInterface, hubClientInfoSenderInterface, hubClientInfoReceiverInterface, hubInterface];
