/** Builders for test data: readable defaults, override what the test is about. */
export function aBusinessDetails(name = 'Test Operator') {
  return { name, website: 'https://example.com' };
}

export function aParty(overrides: Partial<{ country_code: string; party_id: string; role: string; roles: string[]; business_details: object }> = {}) {
  const base: Record<string, unknown> = { country_code: 'NL', party_id: 'CPO', business_details: aBusinessDetails() };
  if (!overrides.roles) base.role = 'CPO';
  return { ...base, ...overrides };
}

export function aCredentialsRole(overrides: Partial<{ role: string; country_code: string; party_id: string }> = {}) {
  return { role: 'EMSP', country_code: 'DE', party_id: 'EMS', business_details: aBusinessDetails('Peer eMSP'), ...overrides };
}
