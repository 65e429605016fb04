/** Pulling a CPO peer's locations into our eMSP parties' store (02-locations: first sync, catch-up). */
import { pullHandler } from '../shared/pull-sync.js';
import { Location } from '../../../model/location.js';

export const locationsPull = pullHandler({
  module: 'locations',
  schema: Location,
  async store(app, caller, location, recipient) {
    const owner = { country_code: location.country_code, party_id: location.party_id };
    // The list we read is what the CPO shows the party we asked as: that party is the recipient.
    const outcome = await app.services.receivedLocations.putLocation(caller, { ...owner, location_id: location.id }, location, recipient);
    return outcome.kind === 'ignored' ? 'ignored' : 'stored';
  },
});
