/** ChargingProfiles module schemas beyond the objects (src/model/charging-profile.ts): queries. */
import { z } from 'zod';
import { Url } from '../../../model/primitives.js';

/** Query of GET: duration is required (P3), response_url is percent-decoded by Express (P4). */
export const ActiveProfileQuery = z.object({
  duration: z.coerce.number().int().min(1).max(86400),
  response_url: Url,
});
export const ClearProfileQuery = z.object({ response_url: Url });
