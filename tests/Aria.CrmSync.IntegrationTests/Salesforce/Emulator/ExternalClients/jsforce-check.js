// Drives a running Salesforce emulator with jsforce (the most widely used Salesforce JS client), as a real integration would.
// Usage: NODE_PATH=<dir>/node_modules node jsforce-check.js <info.json>
// info.json: {"instanceUrl","accessToken","refreshToken","clientId","clientSecret","username","password","version"}.
// Prints one line per step, then a JSON summary line {"jsforce","passed","failed","steps":[…]}; exits 1 when a step
// does not behave as it does against real Salesforce.
const jsforce = require('jsforce');
const fs = require('fs');
const info = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { instanceUrl, version } = info;
const conn = new jsforce.Connection({ instanceUrl, accessToken: info.accessToken, version });
const steps = [];

async function step(name, fn, expectedErrorCode) {
  try {
    const result = await fn();
    if (expectedErrorCode) {
      steps.push({ name, ok: false, error: `expected ${expectedErrorCode}, got success` });
      console.log(`FAIL ${name}: expected ${expectedErrorCode}, got success`);
      return undefined;
    }
    steps.push({ name, ok: true });
    console.log(`OK   ${name}`);
    return result;
  } catch (e) {
    if (expectedErrorCode && e.errorCode === expectedErrorCode) {
      steps.push({ name, ok: true, errorCode: e.errorCode });
      console.log(`OK   ${name} (${e.errorCode}: ${String(e.message).slice(0, 120)})`);
      return e;
    }
    const error = `${e.errorCode || e.name || ''} ${String(e.message || e).slice(0, 400)}`;
    steps.push({ name, ok: false, error });
    console.log(`FAIL ${name}: ${error}`);
    return undefined;
  }
}

function check(condition, message) { if (!condition) throw new Error(message); }
const isId = (id, prefix) => typeof id === 'string' && /^[a-zA-Z0-9]{18}$/.test(id) && (!prefix || id.startsWith(prefix));
const soqlDateTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/;

(async () => {
  const tag = `jsforce-${Date.now()}`;

  // ---- who am I, what is there -------------------------------------------------------------------------------------
  await step('identity', async () => {
    const id = await conn.identity();
    check(isId(id.user_id, '005') && isId(id.organization_id, '00D'), `user/org ids: ${id.user_id} ${id.organization_id}`);
    check(typeof id.username === 'string' && id.urls && id.urls.rest, 'username and urls');
  });
  await step('limits', async () => {
    const l = await conn.limits();
    check(l.DailyApiRequests && Number.isInteger(l.DailyApiRequests.Max) && Number.isInteger(l.DailyApiRequests.Remaining), 'DailyApiRequests');
    check(l.DailyApiRequests.Remaining < l.DailyApiRequests.Max, 'calls so far are counted');
  });
  await step('limitInfo from Sforce-Limit-Info', async () => {
    await conn.query('SELECT Id FROM User LIMIT 1');
    const info = conn.limitInfo && conn.limitInfo.apiUsage;
    check(info && info.used > 0 && info.limit > info.used, `apiUsage ${JSON.stringify(conn.limitInfo)}`);
  });
  await step('describeGlobal', async () => {
    const g = await conn.describeGlobal();
    check(Array.isArray(g.sobjects) && Number.isInteger(g.maxBatchSize) && typeof g.encoding === 'string', 'shape');
    for (const name of ['Opportunity', 'Note', 'ContentNote', 'ContentDocumentLink', 'Task', 'Event', 'Account']) {
      check(g.sobjects.some(s => s.name === name), `${name} listed`);
    }
    const opp = g.sobjects.find(s => s.name === 'Opportunity');
    check(opp.keyPrefix === '006' && opp.queryable && opp.createable && opp.urls && opp.urls.describe, 'Opportunity entry');
  });
  await step('sobject(Opportunity).describe', async () => {
    const d = await conn.sobject('Opportunity').describe();
    check(d.name === 'Opportunity' && d.keyPrefix === '006' && Array.isArray(d.fields) && Array.isArray(d.childRelationships), 'shape');
    const field = n => d.fields.find(f => f.name === n);
    check(field('Id') && field('Id').type === 'id', 'Id field');
    check(field('StageName') && field('StageName').type === 'picklist' && field('StageName').picklistValues.length > 0, 'StageName picklist');
    check(field('CloseDate') && field('CloseDate').type === 'date' && !field('CloseDate').nillable, 'CloseDate');
    check(field('IsWon') && field('IsWon').createable === false, 'IsWon read-only');
    check(field('SystemModstamp') && field('SystemModstamp').type === 'datetime', 'SystemModstamp');
  });

  // ---- single-record CRUD --------------------------------------------------------------------------------------------
  const opp = conn.sobject('Opportunity');
  const created = await step('create (single)', async () => {
    const r = await opp.create({ Name: `${tag} single`, StageName: 'Prospecting', CloseDate: '2026-06-30', Amount: 1500 });
    check(r.success === true && isId(r.id, '006') && Array.isArray(r.errors) && r.errors.length === 0, JSON.stringify(r));
    return r;
  });
  const id = created && created.id;
  await step('retrieve (single)', async () => {
    const r = await opp.retrieve(id);
    check(r.Id === id && r.attributes.type === 'Opportunity' && r.attributes.url.endsWith(`/sobjects/Opportunity/${id}`), 'record');
    check(r.Amount === 1500 && r.CloseDate === '2026-06-30' && r.IsClosed === false && r.Probability === 10, `values ${r.Amount} ${r.CloseDate} ${r.Probability}`);
    check(soqlDateTime.test(r.CreatedDate) && soqlDateTime.test(r.SystemModstamp), `dateTime format ${r.CreatedDate}`);
  });
  await step('retrieve (fields)', async () => {
    const r = await opp.retrieve(id, { fields: ['Name', 'StageName'] });
    check(r.Name === `${tag} single` && r.StageName === 'Prospecting' && r.Amount === undefined, JSON.stringify(r));
  });
  await step('update (single)', async () => {
    const r = await opp.update({ Id: id, StageName: 'Closed Won' });
    check(r.success === true && r.id === id && r.errors.length === 0, JSON.stringify(r));
    const after = await opp.retrieve(id, { fields: ['IsWon', 'IsClosed', 'Probability'] });
    check(after.IsWon === true && after.IsClosed === true && after.Probability === 100, JSON.stringify(after));
  });

  // ---- sObject Collections (arrays) ----------------------------------------------------------------------------------
  // 250 records: one sObject Collections request takes at most 200; with allowRecursive jsforce splits the array.
  const many = Array.from({ length: 250 }, (_, i) => ({ Name: `${tag} bulk ${String(i).padStart(3, '0')}`, StageName: 'Qualification', CloseDate: '2026-07-01', Amount: i }));
  await step('create (250 records in one request) → EXCEEDED_ID_LIMIT', () => opp.create(many), 'EXCEEDED_ID_LIMIT');
  const createdMany = await step('create (250 records, allowRecursive, sObject Collections)', async () => {
    const r = await opp.create(many, { allowRecursive: true });
    check(r.length === 250 && r.every(x => x.success && isId(x.id, '006') && x.errors.length === 0), 'all created');
    return r;
  });
  const ids = createdMany ? createdMany.map(r => r.id) : [];
  await step('create (array, partial failure)', async () => {
    const r = await opp.create([{ Name: `${tag} ok`, StageName: 'Prospecting', CloseDate: '2026-06-30' }, { Name: `${tag} missing stage`, CloseDate: '2026-06-30' }]);
    check(r.length === 2 && r[0].success === true && r[1].success === false, JSON.stringify(r));
    check(r[1].errors[0].statusCode === 'REQUIRED_FIELD_MISSING' && r[1].errors[0].fields.includes('StageName'), JSON.stringify(r[1].errors));
    ids.push(r[0].id);
  });
  await step('create (array, allOrNone)', async () => {
    const r = await opp.create([{ Name: `${tag} rolled back`, StageName: 'Prospecting', CloseDate: '2026-06-30' }, { Name: `${tag} bad`, StageName: 'Prospecting' }], { allOrNone: true });
    check(r[0].success === false && r[0].errors[0].statusCode === 'ALL_OR_NONE_OPERATION_ROLLED_BACK', JSON.stringify(r[0]));
    check(r[1].success === false && r[1].errors[0].statusCode === 'REQUIRED_FIELD_MISSING', JSON.stringify(r[1]));
    const left = await conn.query(`SELECT Id FROM Opportunity WHERE Name = '${tag} rolled back'`);
    check(left.totalSize === 0, 'nothing committed');
  });
  await step('retrieve (array, sObject Collections)', async () => {
    const r = await opp.retrieve(ids.slice(0, 3), { fields: ['Id', 'Name', 'Amount'] });
    check(r.length === 3 && r.every((x, i) => x && x.Id === ids[i]) && r[1].Amount === 1, JSON.stringify(r).slice(0, 300));
  });
  await step('retrieve (array, all fields from describe)', async () => {
    const r = await opp.retrieve([ids[0], ids[1]]);
    check(r.length === 2 && r[0].Id === ids[0] && r[0].StageName === 'Qualification' && 'SystemModstamp' in r[0], JSON.stringify(r[0]).slice(0, 300));
  });
  await step('update (array, sObject Collections)', async () => {
    const r = await opp.update(ids.slice(0, 3).map(x => ({ Id: x, NextStep: 'Call back' })));
    check(r.length === 3 && r.every((x, i) => x.success && x.id === ids[i]), JSON.stringify(r));
  });
  await step('update with If-Unmodified-Since (optimistic concurrency)', async () => {
    const future = new Date(Date.now() + 60 * 60 * 1000).toUTCString();
    const ok = await opp.update({ Id: ids[2], NextStep: 'Unchanged since' }, { headers: { 'If-Unmodified-Since': future } });
    check(ok.success === true, JSON.stringify(ok));
    // the two examples of Salesforce's docs (format EEE, dd MMM yyyy HH:mm:ss z): both are older than the record → 412
    for (const past of ['Tue, 10 Aug 2015 00:00:00 GMT', 'Mon, 30 Nov 2020 08:34:54 MST']) {
      let error;
      try { await opp.update({ Id: ids[2], NextStep: 'Stale write' }, { headers: { 'If-Unmodified-Since': past } }); } catch (e) { error = e; }
      check(error !== undefined, `a write conditioned on ${past} must fail (412)`);
      check(error.errorCode !== 'INVALID_HEADER_VALUE', `${past} is a valid date: ${error.message}`);
    }
    check((await opp.retrieve(ids[2], { fields: ['NextStep'] })).NextStep === 'Unchanged since', 'nothing written');
  });
  await step('update (array, bad id)', async () => {
    const r = await opp.update([{ Id: ids[0], NextStep: 'Again' }, { Id: '006000000000000AAA', NextStep: 'x' }]);
    check(r[0].success === true && r[1].success === false && ['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY', 'MALFORMED_ID'].includes(r[1].errors[0].statusCode), JSON.stringify(r[1]));
  });

  // ---- SOQL --------------------------------------------------------------------------------------------------------
  const soql = `SELECT Id, Name, Amount, CloseDate, SystemModstamp FROM Opportunity WHERE Name LIKE '${tag} bulk%' ORDER BY Name`;
  await step('query (first page, batchSize=200, done=false)', async () => {
    const r = await conn.query(soql, { headers: { 'Sforce-Query-Options': 'batchSize=200' } });
    check(r.totalSize === 250 && r.done === false && r.records.length === 200 && typeof r.nextRecordsUrl === 'string', `totalSize=${r.totalSize} done=${r.done} n=${r.records.length}`);
    // jsforce rebuilds nextRecordsUrl from the locator as an absolute URL
    check(r.nextRecordsUrl.startsWith(`${instanceUrl}/services/data/v${version}/query/`), r.nextRecordsUrl);
    const more = await conn.queryMore(r.nextRecordsUrl);
    check(more.done === true && more.records.length === 50 && more.totalSize === 250 && !more.nextRecordsUrl, `more: done=${more.done} n=${more.records.length}`);
    check(more.records[49].Name === `${tag} bulk 249`, 'order kept across pages');
  });
  await step('query autoFetch (over 2 pages)', async () => {
    const records = [];
    await new Promise((resolve, reject) => {
      conn.query(soql, { headers: { 'Sforce-Query-Options': 'batchSize=200' } })
        .on('record', rec => records.push(rec)).on('end', resolve).on('error', reject)
        .run({ autoFetch: true, maxFetch: 1000 });
    });
    check(records.length === 250 && new Set(records.map(x => x.Id)).size === 250, `fetched ${records.length}`);
  });
  await step('query autoFetch (promise)', async () => {
    const r = await conn.query(soql, { autoFetch: true, maxFetch: 1000, headers: { 'Sforce-Query-Options': 'batchSize=200' } });
    check(r.records.length === 250 && r.totalSize === 250 && r.done === true, `n=${r.records.length} done=${r.done}`);
  });
  await step('sobject().find (SOQL builder)', async () => {
    const r = await opp.find({ Name: { $like: `${tag} bulk 00%` }, Amount: { $gte: 5 } }, ['Id', 'Name', 'Amount']).sort({ Amount: -1 }).limit(3);
    check(r.length === 3 && r[0].Amount === 9 && r[2].Amount === 7, JSON.stringify(r.map(x => x.Amount)));
  });
  await step('query (aggregate)', async () => {
    const r = await conn.query(`SELECT COUNT(Id) total FROM Opportunity WHERE Name LIKE '${tag} bulk%'`);
    check(r.records[0].total === 250 && r.records[0].attributes.type === 'AggregateResult', JSON.stringify(r.records[0]));
  });
  await step('sobject().count', async () => {
    const n = await opp.count({ Name: { $like: `${tag} bulk%` } });
    check(n === 250, `count ${n}`);
  });
  await step('incremental pull (SystemModstamp > SfDate literal)', async () => {
    const since = jsforce.SfDate.toDateTimeLiteral(new Date(Date.now() - 10 * 60 * 1000));
    const r = await conn.query(`SELECT Id, SystemModstamp FROM Opportunity WHERE SystemModstamp > ${since} AND Name LIKE '${tag} bulk%' ORDER BY SystemModstamp, Id`, { autoFetch: true, maxFetch: 1000 });
    const later = jsforce.SfDate.toDateTimeLiteral(new Date(Date.now() + 10 * 60 * 1000));
    const none = await conn.query(`SELECT Id FROM Opportunity WHERE SystemModstamp > ${later}`);
    check(r.records.length === 250 && none.totalSize === 0, `${r.records.length} ${none.totalSize}`);
  });
  await step('query (parent relationship)', async () => {
    const r = await conn.query(`SELECT Id, Owner.Username, CreatedBy.Id FROM Opportunity WHERE Id = '${id}'`);
    check(r.records[0].Owner && r.records[0].Owner.attributes.type === 'User' && typeof r.records[0].Owner.Username === 'string', JSON.stringify(r.records[0]));
  });

  await step('Task create + child subquery (Tasks)', async () => {
    const t = await conn.sobject('Task').create({ WhatId: ids[10], Subject: 'Call', ActivityDate: '2026-05-01', Status: 'Completed', TaskSubtype: 'Call', Type: 'Call' });
    check(t.success && isId(t.id, '00T'), JSON.stringify(t));
    const r = await conn.query(`SELECT Id, (SELECT Id, Subject, Status FROM Tasks) FROM Opportunity WHERE Id = '${ids[10]}'`);
    const tasks = r.records[0].Tasks;
    check(tasks && tasks.totalSize === 1 && tasks.done === true && tasks.records[0].Id === t.id && tasks.records[0].attributes.type === 'Task', JSON.stringify(r.records[0]));
  });
  await step('composite batch (requestPost /composite/batch)', async () => {
    const r = await conn.requestPost('/composite/batch', { batchRequests: [
      { method: 'PATCH', url: `v${version}/sobjects/Opportunity/${ids[11]}`, richInput: { NextStep: 'Batch' } },
      { method: 'GET', url: `v${version}/sobjects/Opportunity/${ids[11]}?fields=NextStep` },
    ] });
    check(r.hasErrors === false && r.results[0].statusCode === 204 && r.results[0].result === null && r.results[1].result.NextStep === 'Batch', JSON.stringify(r));
  });

  // ---- destroy, queryAll, getDeleted -------------------------------------------------------------------------------
  const start = new Date(Date.now() - 60 * 60 * 1000);
  await step('destroy (single)', async () => {
    const r = await opp.destroy(id);
    check(r.success === true && r.id === id && r.errors.length === 0, JSON.stringify(r));
  });
  await step('retrieve after destroy → NOT_FOUND', () => opp.retrieve(id), 'NOT_FOUND');
  await step('destroy (array, sObject Collections)', async () => {
    const r = await opp.destroy(ids.slice(0, 5));
    check(r.length === 5 && r.every((x, i) => x.success && x.id === ids[i]), JSON.stringify(r));
  });
  await step('destroy (array, already deleted) → ENTITY_IS_DELETED', async () => {
    const r = await opp.destroy([ids[0], ids[5]]);
    check(r[0].success === false && r[0].errors[0].statusCode === 'ENTITY_IS_DELETED' && r[1].success === true, JSON.stringify(r));
  });
  await step('retrieve (array) with a deleted id → null slot', async () => {
    const r = await opp.retrieve([ids[6], ids[0]], { fields: ['Id'] });
    check(r.length === 2 && r[0].Id === ids[6] && r[1] === null, JSON.stringify(r));
  });
  await step('queryAll (scanAll) sees deleted rows', async () => {
    const live = await conn.query(`SELECT Id FROM Opportunity WHERE Id = '${id}'`);
    const all = await conn.query(`SELECT Id, IsDeleted FROM Opportunity WHERE Id = '${id}'`, { scanAll: true });
    check(live.totalSize === 0 && all.totalSize === 1 && all.records[0].IsDeleted === true, `live=${live.totalSize} all=${all.totalSize}`);
  });
  await step('sobject().deleted (getDeleted)', async () => {
    const r = await opp.deleted(start, new Date(Date.now() + 60 * 1000));
    check(Array.isArray(r.deletedRecords) && r.deletedRecords.some(d => d.id === id) && typeof r.latestDateCovered === 'string' && typeof r.earliestDateAvailable === 'string', JSON.stringify(r).slice(0, 300));
  });
  await step('sobject().updated (getUpdated)', async () => {
    const r = await opp.updated(start, new Date(Date.now() + 60 * 1000));
    check(Array.isArray(r.ids) && r.ids.includes(ids[10]) && typeof r.latestDateCovered === 'string', JSON.stringify(r).slice(0, 300));
  });

  // ---- notes as the library writes them ----------------------------------------------------------------------------
  const parent = ids[10];
  await step('create Note (classic)', async () => {
    const r = await conn.sobject('Note').create({ ParentId: parent, Title: `${tag} note`, Body: 'Call recap' });
    check(r.success && isId(r.id, '002'), JSON.stringify(r));
    const n = await conn.sobject('Note').retrieve(r.id, { fields: ['ParentId', 'Title', 'Body'] });
    check(n.ParentId === parent && n.Body === 'Call recap', JSON.stringify(n));
  });
  await step('create ContentNote + ContentDocumentLink', async () => {
    const content = Buffer.from('<p>Call recap &amp; next steps</p>').toString('base64');
    const note = await conn.sobject('ContentNote').create({ Title: `${tag} content note`, Content: content });
    check(note.success && isId(note.id, '069'), JSON.stringify(note));
    const link = await conn.sobject('ContentDocumentLink').create({ ContentDocumentId: note.id, LinkedEntityId: parent, ShareType: 'I', Visibility: 'AllUsers' });
    check(link.success && isId(link.id, '06A'), JSON.stringify(link));
    const q = await conn.query(`SELECT ContentDocumentId, ContentDocument.Title, ContentDocument.FileType FROM ContentDocumentLink WHERE LinkedEntityId = '${parent}'`);
    check(q.totalSize === 1 && q.records[0].ContentDocumentId === note.id && q.records[0].ContentDocument.FileType === 'SNOTE', JSON.stringify(q.records));
    const n = await conn.sobject('ContentNote').retrieve(note.id, { fields: ['Title', 'FileType', 'TextPreview'] });
    check(n.FileType === 'SNOTE' && n.TextPreview.includes('Call recap'), JSON.stringify(n));
  });
  await step('composite: ContentNote + link with a reference (as the library does)', async () => {
    const base = `/services/data/v${version}`;
    const r = await conn.requestPost('/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `${base}/sobjects/ContentNote`, referenceId: 'note', body: { Title: `${tag} composite`, Content: Buffer.from('hi').toString('base64') } },
        { method: 'POST', url: `${base}/sobjects/ContentDocumentLink`, referenceId: 'link', body: { ContentDocumentId: '@{note.id}', LinkedEntityId: parent, ShareType: 'I', Visibility: 'AllUsers' } },
      ],
    });
    check(r.compositeResponse.length === 2 && r.compositeResponse.every(x => x.httpStatusCode === 201), JSON.stringify(r).slice(0, 400));
  });
  await step('composite graph: one graph per note (as the library does for many notes)', async () => {
    const base = `/services/data/v${version}`;
    const graph = (n, linked) => ({ graphId: `g${n}`, compositeRequest: [
      { method: 'POST', url: `${base}/sobjects/ContentNote`, referenceId: `note${n}`, body: { Title: `${tag} graph ${n}`, Content: Buffer.from(`n${n}`).toString('base64') } },
      { method: 'POST', url: `${base}/sobjects/ContentDocumentLink`, referenceId: `link${n}`, body: { ContentDocumentId: `@{note${n}.id}`, LinkedEntityId: linked, ShareType: 'I', Visibility: 'AllUsers' } },
    ] });
    const r = await conn.requestPost('/composite/graph', { graphs: [graph(1, parent), graph(2, '006000000000000AAA')] });
    check(r.graphs.length === 2 && r.graphs[0].isSuccessful === true && r.graphs[1].isSuccessful === false, JSON.stringify(r).slice(0, 400));
    const q = await conn.query(`SELECT Id FROM ContentNote WHERE Title LIKE '${tag} graph%'`);
    check(q.totalSize === 1, `the failed graph was rolled back: ${q.totalSize}`);
  });

  // ---- errors as jsforce surfaces them -----------------------------------------------------------------------------
  await step('query with a bad field → INVALID_FIELD', () => conn.query('SELECT Id, NoSuchField__c FROM Opportunity'), 'INVALID_FIELD');
  await step('malformed SOQL → MALFORMED_QUERY', () => conn.query('SELECT Id FROM Opportunity WHERE'), 'MALFORMED_QUERY');
  await step('unknown object → INVALID_TYPE', () => conn.query('SELECT Id FROM NoSuchObject__c'), 'INVALID_TYPE');
  await step('create with a bad field → INVALID_FIELD', () => opp.create({ Name: 'x', StageName: 'Prospecting', CloseDate: '2026-06-30', NoSuchField__c: 1 }), 'INVALID_FIELD');
  await step('create without required field → REQUIRED_FIELD_MISSING', () => opp.create({ Name: 'x', CloseDate: '2026-06-30' }), 'REQUIRED_FIELD_MISSING');
  await step('retrieve malformed id → MALFORMED_ID / NOT_FOUND', async () => {
    try { await opp.retrieve('006notanid'); } catch (e) {
      check(['MALFORMED_ID', 'NOT_FOUND'].includes(e.errorCode) && typeof e.message === 'string' && e.message.length > 0, `${e.errorCode} ${e.message}`);
      return;
    }
    throw new Error('expected an error');
  });
  await step('error carries fields', async () => {
    try { await opp.update({ Id: ids[20], IsWon: true }); } catch (e) {
      check(e.errorCode === 'INVALID_FIELD_FOR_INSERT_UPDATE' && Array.isArray(e.data.fields) && e.data.fields.includes('IsWon'), `${e.errorCode} ${JSON.stringify(e.data)}`);
      return;
    }
    throw new Error('expected an error');
  });
  const bad = new jsforce.Connection({ instanceUrl, accessToken: 'not-a-valid-token', version });
  await step('bad token → INVALID_SESSION_ID', () => bad.query('SELECT Id FROM Opportunity LIMIT 1'), 'INVALID_SESSION_ID');

  // ---- OAuth 2.0: refresh token flow (explicit and on 401) ---------------------------------------------------------
  const oauth2 = { clientId: info.clientId, clientSecret: info.clientSecret, loginUrl: instanceUrl };
  const refreshed = await step('oauth2.refreshToken', async () => {
    const o = new jsforce.OAuth2(oauth2);
    const r = await o.refreshToken(info.refreshToken);
    check(typeof r.access_token === 'string' && r.instance_url === instanceUrl && r.token_type === 'Bearer' && /^\d{13}$/.test(r.issued_at), JSON.stringify({ ...r, access_token: '***' }));
    check(r.refresh_token === undefined && typeof r.signature === 'string' && r.id.startsWith(`${instanceUrl}/id/00D`), 'no rotation by default, signature, id');
    return r;
  });
  await step('connection with refreshed token', async () => {
    const c = new jsforce.Connection({ instanceUrl, accessToken: refreshed.access_token, version });
    check((await c.query('SELECT Id FROM Organization')).totalSize === 1, 'query');
  });
  await step('auto refresh on 401 (refreshToken + oauth2)', async () => {
    const c = new jsforce.Connection({ oauth2, instanceUrl, accessToken: 'expired-token', refreshToken: info.refreshToken, version });
    let refreshedTo;
    c.on('refresh', token => { refreshedTo = token; });
    const r = await c.query('SELECT Id FROM Organization');
    check(r.totalSize === 1 && typeof refreshedTo === 'string' && c.accessToken === refreshedTo, 'refreshed and retried');
  });
  await step('oauth2.refreshToken (bad refresh token) → invalid_grant', async () => {
    try { await new jsforce.OAuth2(oauth2).refreshToken('nope'); } catch (e) {
      check(e.name === 'invalid_grant' || e.errorCode === 'invalid_grant' || String(e.message).includes('invalid_grant'), `${e.name} ${e.errorCode} ${e.message}`);
      return;
    }
    throw new Error('expected an error');
  });
  await step('login (OAuth2 username-password)', async () => {
    const c = new jsforce.Connection({ oauth2, version });
    const u = await c.login(info.username, info.password);
    check(isId(u.id, '005') && isId(u.organizationId, '00D') && c.instanceUrl === instanceUrl, JSON.stringify(u));
    check((await c.query('SELECT Id FROM Organization')).totalSize === 1, 'query');
    const token = c.accessToken;
    await c.logout(); // revokes the token (POST /services/oauth2/revoke)
    await new jsforce.Connection({ instanceUrl, accessToken: token, version }).query('SELECT Id FROM Organization').then(() => { throw new Error('token still valid after logout'); }, e => check(e.errorCode === 'INVALID_SESSION_ID', e.errorCode));
  });
  await step('web server flow: authorize URL → code → conn.authorize', async () => {
    const o = new jsforce.OAuth2({ ...oauth2, redirectUri: 'https://app.example/callback' });
    // the user's browser follows the authorization URL and is redirected back with ?code=
    const res = await fetch(o.getAuthorizationUrl({ scope: 'api refresh_token', state: 'xyz' }), { redirect: 'manual' });
    const location = new URL(res.headers.get('location'));
    check(res.status === 302 && location.origin === 'https://app.example' && location.searchParams.get('state') === 'xyz', `${res.status} ${location}`);
    const c = new jsforce.Connection({ oauth2: o, version });
    const u = await c.authorize(location.searchParams.get('code'));
    check(isId(u.id, '005') && c.instanceUrl === instanceUrl && typeof c.refreshToken === 'string', JSON.stringify(u));
    check((await c.query('SELECT Id FROM Organization')).totalSize === 1, 'query');
    await c.authorize(location.searchParams.get('code')).then(() => { throw new Error('code reused'); }, e => check(e.name === 'invalid_grant', `${e.name} ${e.message}`));
  });
  await step('oauth2.revokeToken', async () => {
    const o = new jsforce.OAuth2(oauth2);
    const t = await o.refreshToken(info.refreshToken);
    await o.revokeToken(t.access_token);
    const c = new jsforce.Connection({ instanceUrl, accessToken: t.access_token, version });
    await c.query('SELECT Id FROM Organization').then(() => { throw new Error('token still valid'); }, e => check(e.errorCode === 'INVALID_SESSION_ID', e.errorCode));
  });
  await step('login (SOAP) and logout', async () => {
    const c = new jsforce.Connection({ loginUrl: instanceUrl, version });
    const u = await c.login(info.username, info.password);
    check(isId(u.id, '005') && isId(u.organizationId, '00D'), JSON.stringify(u));
    check((await c.query('SELECT Id FROM Organization')).totalSize === 1, 'query');
    await c.logout();
  });

  const failed = steps.filter(s => !s.ok);
  console.log(JSON.stringify({ jsforce: jsforce.VERSION, version, passed: steps.length - failed.length, failed: failed.length, failures: failed }));
  process.exit(failed.length === 0 ? 0 : 1);
})().catch(e => { console.log(`FAIL unexpected: ${e.stack || e}`); process.exit(1); });
