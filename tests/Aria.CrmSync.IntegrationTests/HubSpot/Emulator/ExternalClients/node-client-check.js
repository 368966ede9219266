// Drives a running HubSpot emulator with HubSpot's official Node client (@hubspot/api-client).
// Usage: NODE_PATH=<dir>/node_modules node node-client-check.js <info.json>
// info.json: {"baseUrl","token","refresh","clientId","clientSecret"}. Exits 1 when a step does not behave as expected.
const hubspot = require('@hubspot/api-client');
const fs = require('fs');
const info = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const client = new hubspot.Client({ accessToken: info.token, basePath: info.baseUrl });
let failed = 0;

async function step(name, fn, expectedStatus) {
  try {
    const result = await fn();
    if (expectedStatus) { failed++; console.log(`FAIL ${name}: expected HTTP ${expectedStatus}, got success`); return undefined; }
    console.log(`OK   ${name}`);
    return result;
  } catch (e) {
    if (expectedStatus && e.code === expectedStatus) { console.log(`OK   ${name} (HTTP ${e.code})`); return undefined; }
    failed++;
    console.log(`FAIL ${name}: ${e.code || ''} ${String(e.message || e).slice(0, 300)}`);
    return undefined;
  }
}

function check(condition, message) { if (!condition) throw new Error(message); }

(async () => {
  const deal = await step('deals.basicApi.create', () => client.crm.deals.basicApi.create({
    properties: { dealname: 'Node deal', amount: '1500.00', pipeline: 'default', dealstage: 'contractsent' }, associations: [] }));
  const id = deal.id;
  await step('deals.basicApi.getById', async () => {
    const d = await client.crm.deals.basicApi.getById(id, ['dealname', 'amount'], ['dealstage'], ['notes'], false);
    check(d.properties.amount === '1500.00' && d.propertiesWithHistory.dealstage.length === 1, 'properties');
    check(d.createdAt instanceof Date, 'createdAt is a date');
  });
  await step('deals.basicApi.getPage', () => client.crm.deals.basicApi.getPage(10, undefined, ['dealname']));
  await step('deals.basicApi.update', () => client.crm.deals.basicApi.update(id, { properties: { dealstage: 'closedwon' } }));
  await step('deals.getAll', async () => check((await client.crm.deals.getAll(1)).length === 1, 'getAll'));
  const batch = await step('deals.batchApi.create', () => client.crm.deals.batchApi.create({
    inputs: [{ properties: { dealname: 'b1' }, associations: [] }, { properties: { dealname: 'b2' }, associations: [] }] }));
  await step('deals.batchApi.read (207)', async () => {
    const r = await client.crm.deals.batchApi.read({ inputs: [{ id }, { id: '1' }], properties: ['dealname'], propertiesWithHistory: [] });
    check(r.numErrors === 1 && r.errors[0].category === 'OBJECT_NOT_FOUND', 'multi-status');
  });
  await step('deals.batchApi.update', () => client.crm.deals.batchApi.update({ inputs: [{ id, properties: { amount: '7' } }] }));
  await step('deals.searchApi.doSearch', async () => {
    const r = await client.crm.deals.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'amount', operator: 'GTE', value: '1' }] }],
      sorts: [JSON.stringify({ propertyName: 'createdate', direction: 'DESCENDING' })], properties: ['dealname'], limit: 10, after: '0' });
    check(r.total === 1 && r.results[0].id === id, 'search');
  });
  const note = await step('notes.basicApi.create', () => client.crm.objects.notes.basicApi.create({
    properties: { hs_timestamp: '2021-11-12T15:48:22Z', hs_note_body: 'hello' },
    associations: [{ to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 214 }] }] }));
  await step('associations.v4.basicApi.getPage', async () => {
    const r = await client.crm.associations.v4.basicApi.getPage('deals', id, 'notes', undefined, 500);
    check(String(r.results[0].toObjectId) === note.id && r.results[0].associationTypes[0].typeId === 213, 'v4 list');
  });
  await step('associations.v4.batchApi.getPage', () => client.crm.associations.v4.batchApi.getPage('notes', 'deals', { inputs: [{ id: note.id }] }));
  const contact = await step('contacts.basicApi.create', () => client.crm.contacts.basicApi.create({ properties: { email: 'x@y.example' }, associations: [] }));
  await step('associations.v4.basicApi.createDefault', () => client.crm.associations.v4.basicApi.createDefault('deals', id, 'contacts', contact.id));
  await step('associations.v4.basicApi.create', () => client.crm.associations.v4.basicApi.create('deals', id, 'contacts', contact.id,
    [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }]));
  await step('associations.v4.batchApi.createDefault', () => client.crm.associations.v4.batchApi.createDefault('deals', 'contacts',
    { inputs: [{ _from: { id }, to: { id: contact.id } }] }));
  await step('associations.v4.basicApi.archive', () => client.crm.associations.v4.basicApi.archive('deals', id, 'contacts', contact.id));
  await step('pipelines.pipelinesApi.getAll', () => client.crm.pipelines.pipelinesApi.getAll('deals'));
  await step('pipelines.pipelineStagesApi.getAll', () => client.crm.pipelines.pipelineStagesApi.getAll('deals', 'default'));
  await step('properties.coreApi.getAll', () => client.crm.properties.coreApi.getAll('deals'));
  await step('deals.batchApi.archive', () => client.crm.deals.batchApi.archive({ inputs: [{ id: batch.results[0].id }] }));
  await step('deals.basicApi.archive', () => client.crm.deals.basicApi.archive(id));
  await step('deals.basicApi.getById after archive', () => client.crm.deals.basicApi.getById(id), 404);
  await step('deals.basicApi.create unknown property', () => client.crm.deals.basicApi.create({ properties: { testproperty: 'x' }, associations: [] }), 400);
  const oauth = new hubspot.Client({ basePath: info.baseUrl });
  const tokens = await step('oauth.tokensApi.create (refresh)', () => oauth.oauth.tokensApi.create('refresh_token', undefined, undefined, info.clientId, info.clientSecret, info.refresh));
  await step('oauth.accessTokensApi.get', () => oauth.oauth.accessTokensApi.get(tokens.accessToken));
  await step('oauth.refreshTokensApi.get', () => oauth.oauth.refreshTokensApi.get(info.refresh));
  await step('oauth.tokensApi.create (bad refresh)', () => oauth.oauth.tokensApi.create('refresh_token', undefined, undefined, info.clientId, info.clientSecret, 'nope'), 400);
  const viaOAuth = new hubspot.Client({ accessToken: tokens.accessToken, basePath: info.baseUrl });
  await step('deals via OAuth token', () => viaOAuth.crm.deals.basicApi.getPage(1));
  await step('apiRequest rate-limit headers', async () => {
    const r = await client.apiRequest({ method: 'GET', path: '/crm/v3/objects/deals?limit=1' });
    check(r.status === 200 && r.headers.get('x-hubspot-ratelimit-max') !== null, 'headers');
  });
  console.log(`${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})().catch(e => { console.log(`FAIL unexpected: ${e.stack || e}`); process.exit(1); });
